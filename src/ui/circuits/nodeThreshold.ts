import type { ViewGraph } from "./viewGraph.ts";

/**
 * The node-threshold filter, as Neuronpedia's viewer applies it: a node shows when its cumulative
 * influence is ≤ the threshold (lower = more important). Embeddings and logits always show, as
 * circuit-tracer always keeps them; so do pinned nodes, and nodes without an influence.
 */
export function visibleNodes(
  graph: ViewGraph,
  threshold: number,
  pinned: ReadonlySet<number> = new Set(),
): Uint8Array {
  const shown = new Uint8Array(graph.nodes.length);
  for (const node of graph.nodes) {
    const influence = node.json.influence;
    const always = node.kind === "embedding" || node.kind === "logit" || influence === null;
    shown[node.index] = always || influence <= threshold || pinned.has(node.index) ? 1 : 0;
  }
  return shown;
}

/** The links whose two ends both show. */
export function visibleLinks(graph: ViewGraph, shown: Uint8Array): Int32Array {
  const kept: number[] = [];
  for (let i = 0; i < graph.linkSource.length; i++) {
    if (shown[graph.linkSource[i]!] && shown[graph.linkTarget[i]!]) kept.push(i);
  }
  return Int32Array.from(kept);
}

/** The slider's first value: the file's node_threshold, raised so every node of the file shows. */
export function initialThreshold(graph: ViewGraph, fileThreshold: number | undefined): number {
  let most = fileThreshold ?? 0.8;
  for (const node of graph.nodes) {
    if (node.kind === "feature" || node.kind === "error")
      most = Math.max(most, node.json.influence ?? 0);
  }
  return Math.min(1, Math.ceil(most * 100) / 100);
}
