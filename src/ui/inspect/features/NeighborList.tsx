import type { FeatureDashboards, FeatureExtremes } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";
import { visibleToken } from "./tokenText.ts";

/** The token at feature f's strongest recorded activation, if it fired. */
export function topActivationToken(d: FeatureDashboards, f: number): number | undefined {
  let best = -1;
  for (let i = d.top.offsets[f]!; i < d.top.offsets[f + 1]!; i++) {
    if (best < 0 || d.top.activation[i]! > d.top.activation[best]!) best = i;
  }
  return best < 0 ? undefined : d.windowTokens[d.top.token[best]!];
}

/**
 * The features whose decoder directions are closest to this one's, each with the token it fires
 * on most and its top logit (click to open; the list follows).
 */
export function NeighborList(props: {
  d: FeatureDashboards;
  neighbors: FeatureExtremes;
  logits: FeatureExtremes | undefined;
  feature: number;
}) {
  const { d, neighbors: n, logits, feature } = props;
  const select = useFeaturesStore((s) => s.select);
  const strings = useFeaturesStore((s) => s.strings);
  const shown = (t: number | undefined) =>
    t === undefined ? "" : visibleToken(strings.get(t) ?? "");
  const items = [];
  for (let i = feature * n.k; i < (feature + 1) * n.k; i++) {
    if (Number.isNaN(n.topValue[i]!)) continue;
    const g = n.topIndex[i]!;
    const fires = topActivationToken(d, g);
    const topLogit =
      logits && !Number.isNaN(logits.topValue[g * logits.k]!)
        ? logits.topIndex[g * logits.k]
        : undefined;
    items.push(
      <li key={i} data-testid="neighbor" data-feature={g}>
        <button type="button" className="linkish mono" onClick={() => select(g)}>
          #{g}
        </button>
        <span className="nb-token mono" title="the token of its strongest activation">
          {fires === undefined ? <span className="muted">never fired</span> : shown(fires)}
        </span>
        <span className="nb-token mono muted" title="its top logit">
          {topLogit === undefined ? "" : `→ ${shown(topLogit)}`}
        </span>
        <span className="mono muted nb-cos">cos {metric(n.topValue[i]!)}</span>
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
