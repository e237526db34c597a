import { useMemo } from "react";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { si } from "../../format.ts";

/** log10 density of every live feature, with the dead and dense counts beside it. */
export function DensityHistogram(props: { d: FeatureDashboards }) {
  const { densityHistogram: h, dSae, denseThreshold } = props.d;
  const data = useMemo(() => {
    const width = (h.hi - h.lo) / h.counts.length;
    return h.counts.map((count, i) => ({ x: h.lo + (i + 0.5) * width, count }));
  }, [h]);
  const live = dSae - h.dead;
  const summary =
    `${si(dSae)} features: ${si(live)} alive, ${si(h.dead)} dead (never fired), ` +
    `${si(h.dense)} dense (density > ${denseThreshold})`;
  return (
    <figure className="chart dash-density" data-testid="density-histogram">
      <figcaption>
        <span className="chart-title">Feature density (log10)</span>
        <span className="muted small" data-testid="density-counts">
          <span className="mark mark-dead">{si(h.dead)} dead</span>{" "}
          <span className="mark mark-dense">{si(h.dense)} dense</span> · {si(live)} alive of{" "}
          {si(dSae)}
        </span>
      </figcaption>
      <div className="dash-density-body" role="img" aria-label={summary}>
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
            <Bar dataKey="count" fill="var(--transcoder)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
