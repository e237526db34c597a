import { useEffect } from "react";
import type { IndexWeight, LayerConnections } from "../../engine/circuits/weightConnections.ts";
import { TokenText } from "../inspect/features/TokenText.tsx";
import { visibleToken } from "../inspect/features/tokenText.ts";
import { connectionKey, useComputeStore } from "./computeStore.ts";
import type { FeatureSource } from "./featureSource.ts";

const LISTED = 5;
const w = (v: number) => v.toPrecision(3);

function Extremes(props: { entries: IndexWeight[]; name: (i: IndexWeight) => string }) {
  return (
    <ul className="connection-list">
      {props.entries.slice(0, LISTED).map((e) => (
        <li key={e.index} className="mono">
          {props.name(e)} <span className="muted">{w(e.weight)}</span>
        </li>
      ))}
    </ul>
  );
}

function LayerLists(props: { title: string; layers: LayerConnections[]; testId: string }) {
  if (props.layers.length === 0) return null;
  return (
    <section data-testid={props.testId}>
      <h4>{props.title}</h4>
      {props.layers.map((l) => (
        <div key={l.layer} className="connection-layer">
          <span className="muted small">L{l.layer} strongest +</span>
          <Extremes entries={l.top} name={(e) => `L${l.layer} #${e.index}`} />
          <span className="muted small">most −</span>
          <Extremes entries={l.bottom} name={(e) => `L${l.layer} #${e.index}`} />
        </div>
      ))}
    </section>
  );
}

/**
 * A feature's input-invariant neighbours (W_dec[f1] · W_enc[:, f2], through the residual stream
 * alone) and its de-embedding (W_E @ W_enc[:, f]), computed in the worker from the set.
 */
export function ConnectionsList(props: { source: FeatureSource }) {
  const { set, layer, feature } = props.source;
  const key = connectionKey(layer, feature);
  const found = useComputeStore((s) => s.connections.get(key));
  useEffect(() => {
    useComputeStore.getState().askConnections(set, layer, feature);
  }, [set, layer, feature]);
  if (!found) return <p className="muted small">Weight-based connections: computing…</p>;
  if ("error" in found) {
    return <p className="muted small">Weight-based connections unavailable: {found.error}</p>;
  }
  const de = found.deembedding;
  return (
    <div className="connections" data-testid="connections">
      <p className="muted small">
        Weight-based connections: W_dec · W_enc through the residual stream alone (no attention,
        LayerNorm as identity), whatever the prompt.
      </p>
      <LayerLists title="Upstream features" layers={found.upstream} testId="upstream" />
      <LayerLists title="Downstream features" layers={found.downstream} testId="downstream" />
      {de && (
        <section data-testid="deembedding">
          <h4>De-embedding (tokens it reads most)</h4>
          <ul className="connection-list">
            {de.top.slice(0, LISTED).map((e, i) => (
              <li key={e.index} className="mono">
                <TokenText text={visibleToken(de.topText[i] ?? "")} />{" "}
                <span className="muted">{w(e.weight)}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
