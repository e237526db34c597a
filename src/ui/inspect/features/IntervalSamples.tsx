import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { ExampleList } from "./ExampleList.tsx";

/** Seeded picks from equal-width bins over (0, max], highest bin first (SAEDashboard's). */
export function IntervalSamples(props: {
  d: FeatureDashboards;
  feature: number;
  known: ReadonlyMap<number, number>;
}) {
  const { d, feature, known } = props;
  const bins = d.intervalBins;
  const { offsets } = d.intervals;
  const max = d.max[feature]!;
  const sections = [];
  for (let b = bins - 1; b >= 0; b--) {
    const list = feature * bins + b;
    const from = offsets[list]!;
    const to = offsets[list + 1]!;
    if (to === from) continue;
    sections.push(
      <div key={b} className="interval">
        <h5 className="mono small">
          interval {metric((max * b) / bins)} – {metric((max * (b + 1)) / bins)}
        </h5>
        <ExampleList
          d={d}
          feature={feature}
          lists={d.intervals}
          from={from}
          to={to}
          known={known}
        />
      </div>,
    );
  }
  return (
    <details className="intervals" data-testid="interval-samples">
      <summary>Interval samples ({sections.length} bins)</summary>
      {sections}
    </details>
  );
}
