import { useState } from "react";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useComputeStore } from "./computeStore.ts";
import { nodeName } from "./nodeFacts.ts";
import { SubgraphScores } from "./SubgraphScores.tsx";
import { ungroupedPins } from "./supernodes.ts";
import type { ViewGraph } from "./viewGraph.ts";

function NodeChip(props: { id: string; view: ViewGraph }) {
  const clerps = useCircuitsStore((s) => s.clerps);
  const index = props.view.indexById.get(props.id);
  if (index === undefined) return null;
  const node = props.view.nodes[index]!;
  const clerp = Object.hasOwn(clerps, props.id) ? clerps[props.id]! : node.json.clerp;
  return (
    <button
      type="button"
      className="node-chip"
      title={props.id}
      onClick={() => useCircuitsStore.getState().select(props.id, true)}
    >
      {nodeName(node, props.view, clerp)}
    </button>
  );
}

/** The pinned nodes, grouped into labelled supernodes. */
export function SubgraphPanel(props: { view: ViewGraph }) {
  const { view } = props;
  const pinnedIds = useCircuitsStore((s) => s.pinnedIds);
  const supernodes = useCircuitsStore((s) => s.supernodes);
  const [label, setLabel] = useState("");
  const store = useCircuitsStore.getState();
  const computed = useCircuitsStore((s) => s.shown?.origin.kind === "computed");
  const interventionGroup = useComputeStore((s) => s.interventionGroup);
  const compute = useComputeStore.getState();
  const loose = ungroupedPins(pinnedIds, supernodes);
  return (
    <section className="subgraph-panel" data-testid="subgraph-panel" aria-label="Subgraph">
      <h3>Subgraph: {pinnedIds.length} pinned</h3>
      <SubgraphScores />
      {pinnedIds.length === 0 && (
        <p className="muted">Pin nodes to build a subgraph (shift-click, or Pin).</p>
      )}
      {supernodes.map((s, i) => (
        <div key={i} className={`supernode sn-${i % 6}`} data-testid="supernode">
          <div className="supernode-head">
            <input
              type="text"
              aria-label={`Supernode ${i + 1} label`}
              value={s.label}
              onChange={(e) => store.renameSupernode(i, e.currentTarget.value)}
            />
            {computed && (
              <button
                type="button"
                aria-pressed={interventionGroup === i}
                onClick={() => compute.interveneOn(interventionGroup === i ? undefined : i)}
                title="Set these features to a multiple of their activation and rerun the model"
              >
                Intervene
              </button>
            )}
            <button
              type="button"
              onClick={() => {
                if (interventionGroup !== undefined) compute.interveneOn(undefined);
                store.removeSupernode(i);
              }}
              title="Ungroup (the nodes stay pinned)"
            >
              Ungroup
            </button>
          </div>
          <div className="chips">
            {s.nodeIds.map((id) => (
              <NodeChip key={id} id={id} view={view} />
            ))}
          </div>
        </div>
      ))}
      {loose.length > 0 && (
        <div className="chips" data-testid="ungrouped-pins">
          {loose.map((id) => (
            <span key={id} className="pinned-chip">
              <NodeChip id={id} view={view} />
              <button type="button" aria-label={`Unpin ${id}`} onClick={() => store.togglePin(id)}>
                ×
              </button>
            </span>
          ))}
        </div>
      )}
      {loose.length > 0 && (
        <form
          className="supernode-form"
          onSubmit={(e) => {
            e.preventDefault();
            store.groupPinned(label);
            setLabel("");
          }}
        >
          <input
            type="text"
            placeholder="supernode label"
            aria-label="New supernode label"
            value={label}
            onChange={(e) => setLabel(e.currentTarget.value)}
          />
          <button type="submit" disabled={loose.length < 2}>
            Group {loose.length} pinned
          </button>
        </form>
      )}
    </section>
  );
}
