import { useMemo } from "react";
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { histogramRange } from "../../../engine/features/featureStats.ts";
import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";

/** The feature's firing values: 50 equal bins over [min, max] (SAEDashboard's torch.histc). */
export function ActivationHistogram(props: { d: FeatureDashboards; feature: number }) {
  const { d, feature } = props;
  const [lo, hi] = histogramRange(d.min[feature]!, d.max[feature]!);
  const data = useMemo(() => {
    const bins = d.histogramBins;
    const counts = d.histograms.subarray(feature * 2 * bins, feature * 2 * bins + bins);
    return Array.from(counts, (count, i) => ({ x: lo + ((i + 0.5) * (hi - lo)) / bins, count }));
  }, [d, feature, lo, hi]);
  return (
    <figure className="chart dash-hist" data-testid="activation-histogram">
      <figcaption>
        <span className="chart-title">Activations</span>
        <span className="muted small">
          density {metric(d.density[feature])} · {d.count[feature]!.toLocaleString()} tokens
        </span>
      </figcaption>
      <div
        className="dash-hist-body"
        role="img"
        aria-label={`Histogram of ${d.count[feature]} firing values up to ${metric(d.max[feature])}`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            data={data}
            margin={{ top: 4, right: 8, bottom: 0, left: 0 }}
            barCategoryGap={0}
          >
            <XAxis
              dataKey="x"
              type="number"
              domain={[lo, hi]}
              tickFormatter={(v: number) => metric(v)}
              tick={{ fontSize: 10 }}
            />
            <YAxis tick={{ fontSize: 10 }} width={32} allowDecimals={false} />
            <Tooltip
              formatter={(v) => [String(v), "tokens"]}
              labelFormatter={(x) => `activation ≈ ${metric(Number(x))}`}
            />
            <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
