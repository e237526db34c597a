import { useEffect } from "react";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useComputeStore } from "./computeStore.ts";

/**
 * The pinned subgraph's own replacement and completeness scores, as Neuronpedia shows them,
 * computed in the worker from the kept graph (computed graphs only).
 */
export function SubgraphScores() {
  const pinnedIds = useCircuitsStore((s) => s.pinnedIds);
  const computed = useCircuitsStore((s) => s.shown?.origin.kind === "computed");
  const graph = useComputeStore((s) => s.graph);
  const subgraph = useComputeStore((s) => s.subgraph);
  useEffect(() => {
    if (computed && graph && pinnedIds.length > 0) {
      useComputeStore.getState().askSubgraph(pinnedIds);
    }
  }, [computed, graph, pinnedIds]);
  if (!computed || !graph || pinnedIds.length === 0) return null;
  return (
    <div className="subgraph-scores" data-testid="subgraph-scores">
      {!subgraph || subgraph.pending ? (
        <span className="muted">Subgraph scores: computing…</span>
      ) : subgraph.scores ? (
        <>
          <span>
            Subgraph: replacement{" "}
            <strong className="mono">{subgraph.scores.replacementScore.toFixed(3)}</strong> ·
            completeness{" "}
            <strong className="mono">{subgraph.scores.completenessScore.toFixed(3)}</strong>
          </span>
          <span className="muted small">
            The graph&apos;s scores over the pinned features alone (with their error nodes, the
            tokens and the logits), as Neuronpedia computes them.
          </span>
        </>
      ) : (
        <span className="muted">Subgraph scores: {subgraph.why}</span>
      )}
    </div>
  );
}
