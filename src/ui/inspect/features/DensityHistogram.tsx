import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DictionaryKind } from "../../../engine/dictionary/spec.ts";
import type { DensityHistogramBins } from "../../../worker/protocol.ts";
import { si } from "../../format.ts";

/**
 * log10 density of every live feature, with the dead and dense counts beside it: a dashboard's
 * (pass `d`), or a training window's (the Train view's live histogram).
 */
export function DensityHistogram(props: {
  d: {
    densityHistogram: DensityHistogramBins;
    dSae: number;
    denseThreshold: number;
    kind?: DictionaryKind;
  };
  title?: string;
  /** The bars' colour (a CSS value); by default the colour of d's kind (SAE or transcoder). */
  color?: string;
  testId?: string;
  /** What "dead" means here. */
  deadMeaning?: string;
  /** The word for features that did not fire ("dead"; "silent" for a training window, since
   * SAELens's dead means none within its dead-feature window). */
  deadLabel?: string;
  /**
   * Plain SVG bars instead of the recharts chart: cheap enough to redraw on every logging step
   * while training (a recharts mount costs a long main-thread task on a slow machine).
   */
  plain?: boolean;
}) {
  const { densityHistogram: h, dSae, denseThreshold } = props.d;
  const testId = props.testId ?? "density-histogram";
  const color = props.color ?? `var(--${props.d.kind ?? "transcoder"})`;
  const data = useMemo(() => {
    const width = (h.hi - h.lo) / h.counts.length;
    return h.counts.map((count, i) => ({ x: h.lo + (i + 0.5) * width, count }));
  }, [h]);
  const live = dSae - h.dead;
  const deadLabel = props.deadLabel ?? "dead";
  const summary =
    `${si(dSae)} features: ${si(live)} alive, ${si(h.dead)} ${deadLabel} (${props.deadMeaning ?? "never fired"}), ` +
    `${si(h.dense)} dense (density > ${denseThreshold})`;
  return (
    <figure className="chart dash-density" data-testid={testId} data-color={color}>
      <figcaption>
        <span className="chart-title">{props.title ?? "Feature density (log10)"}</span>
        <span
          className="muted small"
          data-testid={testId === "density-histogram" ? "density-counts" : `${testId}-counts`}
        >
          <span className="mark mark-dead" title={props.deadMeaning ?? "never fired"}>
            {si(h.dead)} {deadLabel}
          </span>{" "}
          <span className="mark mark-dense">{si(h.dense)} dense</span> · {si(live)} alive of{" "}
          {si(dSae)}
        </span>
      </figcaption>
      <div className="dash-density-body" role="img" aria-label={summary}>
        {props.plain ? (
          <PlainBars h={h} color={color} />
        ) : (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart
              data={data}
              margin={{ top: 6, right: 8, bottom: 0, left: 0 }}
              barCategoryGap={1}
            >
              <CartesianGrid stroke="var(--grid)" strokeDasharray="2 3" vertical={false} />
              <XAxis
                dataKey="x"
                type="number"
                domain={[h.lo, h.hi]}
                tickCount={Math.min(8, h.hi - h.lo + 1)}
                allowDecimals={false}
                tick={{ fontSize: 10 }}
              />
              <YAxis tick={{ fontSize: 10 }} width={32} allowDecimals={false} />
              <Tooltip
                formatter={(v) => [String(v), "features"]}
                labelFormatter={(x) => `log10 density ≈ ${Number(x).toFixed(2)}`}
              />
              <Bar dataKey="count" fill={color} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
    </figure>
  );
}

/** The histogram as SVG bars over a log10-density axis with integer ticks. */
function PlainBars(props: { h: DensityHistogramBins; color: string }) {
  const { h, color } = props;
  const top = Math.max(1, ...h.counts);
  const n = h.counts.length;
  const ticks = Array.from({ length: h.hi - h.lo + 1 }, (_, i) => h.lo + i);
  return (
    <div className="plain-bars">
      <span className="plain-bars-max mono">{top}</span>
      <svg viewBox={`0 0 ${n} 100`} preserveAspectRatio="none" aria-hidden="true">
        {h.counts.map((c, i) =>
          c > 0 ? (
            <rect
              key={i}
              x={i + 0.08}
              width={0.84}
              y={100 - (c / top) * 100}
              height={(c / top) * 100}
              fill={color}
            />
          ) : null,
        )}
      </svg>
      <div className="plain-bars-ticks mono">
        {ticks.map((t) => (
          <span key={t} style={{ left: `${((t - h.lo) / (h.hi - h.lo)) * 100}%` }}>
            {t}
          </span>
        ))}
      </div>
    </div>
  );
}
