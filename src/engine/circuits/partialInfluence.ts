/**
 * circuit-tracer's compute_partial_influences (graph.py): each node's influence on the logits
 * through the rows computed so far. Rows are |A| normalised to sum 1 (clamped at 1e-8); starting
 * from the logits' probabilities, prod ← prod[rowToNode] · Â until it vanishes (Â is nilpotent:
 * edges only go up the layers), summing every step.
 *
 * `rows` is [rowCount, columns] (columns = the nodes that can be sources); `rowToNode[r]` is the
 * node row r belongs to; the logits are the last `logitProbabilities.length` of `nodeCount`.
 */
export function partialInfluences(
  rows: Float32Array | Float64Array,
  rowCount: number,
  columns: number,
  rowToNode: Int32Array,
  logitProbabilities: Float64Array,
  nodeCount: number,
  maxIterations = 128,
): Float64Array {
  // Each row's 1 / Σ|A[r, :]|, so that Â is never held (it would be as large as the rows).
  const inverseSums = new Float64Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    let sum = 0;
    for (let c = 0; c < columns; c++) sum += Math.abs(rows[r * columns + c]!);
    inverseSums[r] = 1 / Math.max(sum, 1e-8);
  }
  const influences = new Float64Array(nodeCount);
  let prod = new Float64Array(nodeCount);
  prod.set(logitProbabilities, nodeCount - logitProbabilities.length);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(nodeCount);
    let any = false;
    for (let r = 0; r < rowCount; r++) {
      const weight = prod[rowToNode[r]!]! * inverseSums[r]!;
      if (weight === 0) continue;
      for (let c = 0; c < columns; c++) next[c]! += weight * Math.abs(rows[r * columns + c]!);
    }
    for (let c = 0; c < columns; c++) {
      if (next[c] !== 0) any = true;
      influences[c]! += next[c]!;
    }
    if (!any) return influences;
    prod = next;
  }
  throw new Error(`partial influences did not vanish in ${maxIterations} iterations`);
}
