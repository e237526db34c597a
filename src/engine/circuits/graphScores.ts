/**
 * circuit-tracer's compute_graph_scores (graph.py; ../shared/reference/circuits.md §4.7), with
 * I the node influence and w the logits' probabilities:
 * - replacement score = I(tokens) / (I(tokens) + I(errors)): the share of the end-to-end
 *   influence from tokens to logits that does not end in an error node;
 * - completeness score = Σ_t (1 − Σ_err Â[t, err]) (I_t + w_t) / Σ_t (I_t + w_t): each node's
 *   non-error share of its input, weighted by its influence (nodes without inputs count as
 *   complete, as there).
 * For a pruned graph, the same on the adjacency with the dropped nodes' rows and columns and
 * the dropped edges zeroed (what compute_graph_scores would see of the pruned graph).
 */
import type { AttributionGraph } from "./attributionGraph.ts";
import { graphLayout, logitWeights } from "./graphLayout.ts";
import { influenceOf, normalizeRows } from "./normalizedAdjacency.ts";

export interface GraphScores {
  replacementScore: number;
  completenessScore: number;
}

export interface GraphSelection {
  nodeMask: Uint8Array;
  edgeMask: Uint8Array;
}

export function computeGraphScores(graph: AttributionGraph, pruned?: GraphSelection): GraphScores {
  const layout = graphLayout(graph);
  const { n, errorStart, tokenStart, logitStart } = layout;
  const w = logitWeights(graph, layout);
  const normalized = normalizeRows(graph.adjacency, n, pruned?.nodeMask, pruned?.edgeMask);
  const influence = influenceOf(normalized, w);

  let tokenInfluence = 0;
  for (let i = tokenStart; i < logitStart; i++) tokenInfluence += influence[i]!;
  let errorInfluence = 0;
  for (let i = errorStart; i < tokenStart; i++) errorInfluence += influence[i]!;

  const a = graph.adjacency;
  const { keep, edgeMask } = normalized;
  let weighted = 0;
  let total = 0;
  for (let t = 0; t < n; t++) {
    let errorShare = 0;
    const scale = normalized.rowScale[t]!;
    if (scale !== 0) {
      const row = t * n;
      for (let s = errorStart; s < tokenStart; s++) {
        if ((keep === undefined || keep[s]) && (edgeMask === undefined || edgeMask[row + s])) {
          errorShare += Math.abs(a[row + s]!) * scale;
        }
      }
    }
    const output = influence[t]! + w[t]!;
    weighted += (1 - errorShare) * output;
    total += output;
  }
  return {
    replacementScore: tokenInfluence / (tokenInfluence + errorInfluence),
    completenessScore: weighted / total,
  };
}
