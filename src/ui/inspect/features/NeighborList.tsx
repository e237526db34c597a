import type { FeatureExtremes } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";

/** The features whose decoder directions are closest to this one's (click to open). */
export function NeighborList(props: { neighbors: FeatureExtremes; feature: number }) {
  const { neighbors: n, feature } = props;
  const select = useFeaturesStore((s) => s.select);
  const items = [];
  for (let i = feature * n.k; i < (feature + 1) * n.k; i++) {
    if (Number.isNaN(n.topValue[i]!)) continue;
    const g = n.topIndex[i]!;
    items.push(
      <li key={i}>
        <button type="button" className="linkish mono" onClick={() => select(g)}>
          #{g}
        </button>
        <span className="mono muted">cos {metric(n.topValue[i]!)}</span>
      </li>,
    );
  }
  return (
    <section className="neighbors" data-testid="neighbors" aria-label="Decoder-cosine neighbours">
      <h4>Nearest by decoder cosine</h4>
      <ol>{items}</ol>
    </section>
  );
}
