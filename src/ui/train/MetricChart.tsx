import { memo, useDeferredValue } from "react";
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { metric, si } from "../format.ts";
import { KIND_COLORS, KIND_LABELS, runOpacity } from "./seriesColors.ts";

export interface Series {
  key: string;
  kind: string;
  runLabel: string;
  age: number;
  dashed?: boolean;
  points: { tokens: number; value: number }[];
}

/** One small multiple: tokens trained on x (shared by all charts), one metric on y. */
export const MetricChart = memo(function MetricChart(props: {
  title: string;
  series: Series[];
  log?: boolean;
  testId: string;
  /** The x-axis ends here on every chart (the longest shown run's tokens). */
  xMax: number;
}) {
  const { title, log } = props;
  // Rendered as a transition: React slices it, so the main thread never blocks for long.
  const series = useDeferredValue(props.series);
  const latest = series
    .filter((s) => s.age === 0 && s.points.length > 0)
    .map((s) => `${KIND_LABELS[s.kind] ?? s.kind} ${metric(s.points[s.points.length - 1]!.value)}`)
    .join(", ");
  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-latest mono" data-testid={`${props.testId}-latest`}>
          {latest}
        </span>
      </figcaption>
      <div className="chart-body" role="img" aria-label={`${title}: ${latest || "no data yet"}`}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart
            syncId="train"
            syncMethod="value"
            margin={{ top: 4, right: 8, bottom: 0, left: 0 }}
          >
            <CartesianGrid stroke="var(--grid)" strokeDasharray="2 3" />
            <XAxis
              type="number"
              dataKey="tokens"
              domain={[0, props.xMax]}
              tickFormatter={(v: number) => si(v)}
              tick={{ fontSize: 10 }}
              minTickGap={24}
              allowDuplicatedCategory={false}
            />
            <YAxis
              type="number"
              scale={log ? "log" : "linear"}
              domain={log ? ["auto", "auto"] : [0, "auto"]}
              allowDataOverflow={false}
              tickFormatter={(v: number) => si(v, 2)}
              tick={{ fontSize: 10 }}
              width={42}
            />
            <Tooltip
              formatter={(v) => metric(Number(v))}
              labelFormatter={(v) => `${si(Number(v))} tokens`}
              contentStyle={{ fontSize: 11 }}
            />
            {series.map((s) => (
              <Line
                key={s.key}
                data={log ? s.points.filter((p) => p.value > 0) : s.points}
                dataKey="value"
                name={`${KIND_LABELS[s.kind] ?? s.kind} · ${s.runLabel}`}
                stroke={KIND_COLORS[s.kind] ?? "#888"}
                strokeOpacity={runOpacity(s.age)}
                strokeDasharray={s.dashed ? "4 3" : undefined}
                strokeWidth={s.age === 0 ? 2 : 1.5}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
});
