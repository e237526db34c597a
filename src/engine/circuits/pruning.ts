/**
 * circuit-tracer's pruning (graph.py prune_graph; ../shared/reference/circuits.md §4):
 * 1. node influence I = w Â + w Â² + …, w = the logits' probabilities; keep the nodes whose
 *    influence reaches find_threshold(I, nodeThreshold); tokens and logits are always kept;
 * 2. zero the dropped nodes' rows and columns, renormalise, recompute the influence I'; edge
 *    score E[t, s] = Â'[t, s] (I'_t + w_t); keep the edges with E ≥ find_threshold(E, edgeThreshold);
 * 3. until nothing changes: a feature or error node needs a kept outgoing edge, a feature node
 *    a kept incoming edge;
 * 4. each node's share of the total influence, cumulated in descending order (the graph
 *    JSON's `influence`: lower is more important).
 * The dense normalizeMatrix/computeInfluence are graph.py's functions as written; pruneGraph
 * runs the same arithmetic without a second n² float matrix (normalizedAdjacency.ts).
 */
import type { AttributionGraph } from "./attributionGraph.ts";
import { findThreshold, findThresholdOf } from "./cumulativeThreshold.ts";
import { graphLayout, logitWeights } from "./graphLayout.ts";
import { influenceOf, normalizeRows } from "./normalizedAdjacency.ts";

export { findThreshold };

export interface PruneResult {
  /** [n] 1 where the node is kept. */
  nodeMask: Uint8Array;
  /** [n·n] row-major (rows = targets): 1 where the edge is kept. */
  edgeMask: Uint8Array;
  /** [n] cumulative fraction of the full graph's influence, in descending order of influence. */
  cumulativeScores: Float64Array;
  /** [n] the full graph's node influence I. */
  nodeInfluence: Float64Array;
}

/** normalize_matrix: |A| with every row divided by max(its sum, 1e-10). */
export function normalizeMatrix(a: Float32Array | Float64Array, n: number): Float64Array {
  const { rowScale } = normalizeRows(a, n);
  const out = new Float64Array(n * n);
  for (let t = 0; t < n; t++) {
    for (let s = 0; s < n; s++) out[t * n + s] = Math.abs(a[t * n + s]!) * rowScale[t]!;
  }
  return out;
}

/** compute_influence on an already normalised matrix: w Â + w Â² + … until exactly 0. */
export function computeInfluence(
  normalized: Float64Array,
  weights: Float64Array,
  n: number,
): Float64Array {
  if (normalized.length !== n * n) {
    throw new Error(`computeInfluence: expected ${n * n} entries, found ${normalized.length}`);
  }
  return influenceOf({ n, adjacency: normalized, rowScale: new Float64Array(n).fill(1) }, weights);
}

/** compute_edge_influence on a pruned matrix: Â'[t, s] (I'_t + w_t), dense [n·n]. */
export function computeEdgeInfluence(
  prunedMatrix: Float32Array | Float64Array,
  weights: Float64Array,
  n: number,
): Float64Array {
  const normalized = normalizeRows(prunedMatrix, n);
  const influence = influenceOf(normalized, weights);
  const scores = new Float64Array(n * n);
  for (let t = 0; t < n; t++) {
    const f = normalized.rowScale[t]! * (influence[t]! + weights[t]!);
    for (let s = 0; s < n; s++) scores[t * n + s] = Math.abs(prunedMatrix[t * n + s]!) * f;
  }
  return scores;
}

export function pruneGraph(
  graph: AttributionGraph,
  nodeThreshold = 0.8,
  edgeThreshold = 0.98,
): PruneResult {
  if (!(nodeThreshold >= 0 && nodeThreshold <= 1)) {
    throw new Error(`node_threshold must be between 0.0 and 1.0, found ${nodeThreshold}`);
  }
  if (!(edgeThreshold >= 0 && edgeThreshold <= 1)) {
    throw new Error(`edge_threshold must be between 0.0 and 1.0, found ${edgeThreshold}`);
  }
  const layout = graphLayout(graph);
  const { n, tokenStart } = layout;
  const a = graph.adjacency;
  const w = logitWeights(graph, layout);

  const nodeInfluence = influenceOf(normalizeRows(a, n), w);
  const nodeCut = findThreshold(nodeInfluence, nodeThreshold);
  const nodeMask = new Uint8Array(n);
  for (let i = 0; i < n; i++) nodeMask[i] = i >= tokenStart || nodeInfluence[i]! >= nodeCut ? 1 : 0;

  const pruned = normalizeRows(a, n, nodeMask);
  const prunedInfluence = influenceOf(pruned, w);
  // E[t, s] = |A[t, s]| · rowFactor[t] · keep[s].
  const rowFactor = new Float64Array(n);
  for (let t = 0; t < n; t++) rowFactor[t] = pruned.rowScale[t]! * (prunedInfluence[t]! + w[t]!);
  const edgeCut = findThresholdOf(
    n * n,
    (emit) => visitEdgeScores(a, n, rowFactor, nodeMask, emit),
    edgeThreshold,
  );
  const edgeMask = edgeMaskAtLeast(a, n, rowFactor, nodeMask, edgeCut);

  cleanUp(nodeMask, edgeMask, n, graph.nFeatures, tokenStart);
  return { nodeMask, edgeMask, cumulativeScores: cumulativeShares(nodeInfluence), nodeInfluence };
}

function visitEdgeScores(
  a: Float32Array,
  n: number,
  rowFactor: Float64Array,
  keep: Uint8Array,
  emit: (score: number) => void,
): void {
  for (let t = 0; t < n; t++) {
    const f = rowFactor[t]!;
    if (f === 0) continue;
    const row = t * n;
    for (let s = 0; s < n; s++) if (keep[s]) emit(Math.abs(a[row + s]!) * f);
  }
}

function edgeMaskAtLeast(
  a: Float32Array,
  n: number,
  rowFactor: Float64Array,
  keep: Uint8Array,
  cut: number,
) {
  const mask = new Uint8Array(n * n);
  // A cut of 0 keeps every entry, zeros included, as `edge_scores >= 0` does.
  if (cut <= 0) return mask.fill(1);
  for (let t = 0; t < n; t++) {
    const f = rowFactor[t]!;
    if (f === 0) continue;
    const row = t * n;
    for (let s = 0; s < n; s++) if (keep[s] && Math.abs(a[row + s]!) * f >= cut) mask[row + s] = 1;
  }
  return mask;
}

/**
 * prune_graph's last step, in its order: drop feature and error nodes with no kept outgoing
 * edge and features with no kept incoming edge; then, while that changes the node mask, clear
 * the dropped nodes' edges and drop again.
 */
function cleanUp(
  nodeMask: Uint8Array,
  edgeMask: Uint8Array,
  n: number,
  nFeatures: number,
  tokenStart: number,
) {
  let before = Uint8Array.from(nodeMask);
  dropUnconnected(nodeMask, edgeMask, n, nFeatures, tokenStart);
  while (!nodeMask.every((keep, i) => keep === before[i])) {
    before = Uint8Array.from(nodeMask);
    clearDroppedEdges(nodeMask, edgeMask, n);
    dropUnconnected(nodeMask, edgeMask, n, nFeatures, tokenStart);
  }
}

function dropUnconnected(
  nodeMask: Uint8Array,
  edgeMask: Uint8Array,
  n: number,
  nFeatures: number,
  tokenStart: number,
) {
  const hasOutgoing = new Uint8Array(tokenStart);
  for (let t = 0; t < n; t++) {
    const row = t * n;
    let hasIncoming = 0;
    for (let s = 0; s < n; s++) {
      if (!edgeMask[row + s]) continue;
      hasIncoming = 1;
      if (s < tokenStart) hasOutgoing[s] = 1;
    }
    if (t < nFeatures && !hasIncoming) nodeMask[t] = 0;
  }
  for (let s = 0; s < tokenStart; s++) if (!hasOutgoing[s]) nodeMask[s] = 0;
}

function clearDroppedEdges(nodeMask: Uint8Array, edgeMask: Uint8Array, n: number) {
  const dropped: number[] = [];
  for (let i = 0; i < n; i++) if (!nodeMask[i]) dropped.push(i);
  for (let t = 0; t < n; t++) {
    const row = t * n;
    if (!nodeMask[t]) {
      edgeMask.fill(0, row, row + n);
      continue;
    }
    for (const s of dropped) edgeMask[row + s] = 0;
  }
}

/** Each node's cumulative share of the total influence, in descending order (ties: lower index first). */
function cumulativeShares(influence: Float64Array): Float64Array {
  const order = Array.from(influence.keys()).sort((i, j) => influence[j]! - influence[i]! || i - j);
  let total = 0;
  for (const i of order) total += influence[i]!;
  const shares = new Float64Array(influence.length);
  let cumulative = 0;
  for (const i of order) {
    cumulative += influence[i]!;
    shares[i] = cumulative / total;
  }
  return shares;
}
