import type { AttributionGraph } from "./attributionGraph.ts";

/** Where each node kind starts in circuit-tracer's order [features][errors][tokens][logits]. */
export interface GraphLayout {
  n: number;
  errorStart: number;
  tokenStart: number;
  logitStart: number;
}

/** Checks that the graph's counts, node list and adjacency agree; a specific error if not. */
export function graphLayout(graph: AttributionGraph): GraphLayout {
  const { nFeatures, nErrors, nTokens, nLogits, nodes, adjacency } = graph;
  const n = nFeatures + nErrors + nTokens + nLogits;
  if (nodes.length !== n) {
    throw new Error(
      `attribution graph: ${nodes.length} nodes, but nFeatures + nErrors + nTokens + nLogits = ${n}`,
    );
  }
  if (nErrors !== graph.nLayer * nTokens) {
    throw new Error(
      `attribution graph: nErrors = ${nErrors}, expected nLayer · nTokens = ${graph.nLayer * nTokens}`,
    );
  }
  if (adjacency.length !== n * n) {
    throw new Error(
      `attribution graph: adjacency has ${adjacency.length} entries, expected ${n}² = ${n * n}`,
    );
  }
  const layout = {
    n,
    errorStart: nFeatures,
    tokenStart: nFeatures + nErrors,
    logitStart: nFeatures + nErrors + nTokens,
  };
  const expected = (i: number) =>
    i < layout.errorStart
      ? "feature"
      : i < layout.tokenStart
        ? "error"
        : i < layout.logitStart
          ? "embedding"
          : "logit";
  nodes.forEach((node, i) => {
    if (node.type !== expected(i)) {
      throw new Error(
        `attribution graph: node ${i} is a ${node.type} node, expected a ${expected(i)} node`,
      );
    }
  });
  return layout;
}

/** The pruning weights w: each logit node's probability, 0 for every other node. */
export function logitWeights(graph: AttributionGraph, layout: GraphLayout): Float64Array {
  const w = new Float64Array(layout.n);
  for (let i = layout.logitStart; i < layout.n; i++) {
    const node = graph.nodes[i]!;
    if (node.type === "logit") w[i] = node.probability;
  }
  return w;
}
