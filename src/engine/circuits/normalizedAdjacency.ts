/**
 * Â, circuit-tracer's normalize_matrix of an adjacency (rows = targets, columns = sources):
 * |A| with each row divided by its sum, the sum clamped to at least 1e-10 (so a zero row
 * stays zero). Held implicitly, Â[t, s] = |A[t, s]| · rowScale[t] · keep[s] · edgeMask[t, s],
 * so that a graph of 8,000 nodes (64M entries) needs no second n² matrix. Pruning's zeroed
 * rows and columns are `keep`; a pruned graph's dropped edges are `edgeMask`.
 */
export interface NormalizedAdjacency {
  n: number;
  adjacency: Float32Array | Float64Array;
  /** 1 / max(Σ_s |A[t, s]| (kept), 1e-10); 0 for a row not kept. */
  rowScale: Float64Array;
  /** Nodes kept (rows and columns); absent: all. */
  keep?: Uint8Array;
  /** [n·n] edges kept; absent: all. */
  edgeMask?: Uint8Array;
}

const MIN_ROW_SUM = 1e-10;

export function normalizeRows(
  adjacency: Float32Array | Float64Array,
  n: number,
  keep?: Uint8Array,
  edgeMask?: Uint8Array,
): NormalizedAdjacency {
  if (adjacency.length !== n * n) {
    throw new Error(`adjacency: expected ${n}×${n} = ${n * n} entries, found ${adjacency.length}`);
  }
  if (keep !== undefined && keep.length !== n) {
    throw new Error(`node mask: expected ${n} entries, found ${keep.length}`);
  }
  if (edgeMask !== undefined && edgeMask.length !== n * n) {
    throw new Error(`edge mask: expected ${n * n} entries, found ${edgeMask.length}`);
  }
  const rowScale = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    if (keep !== undefined && !keep[t]) continue;
    const sum = rowAbsSum(adjacency, t * n, n, keep, edgeMask);
    if (!Number.isFinite(sum)) {
      throw new Error(`adjacency: row ${t} has a non-finite entry (or overflows)`);
    }
    rowScale[t] = 1 / Math.max(sum, MIN_ROW_SUM);
  }
  const normalized: NormalizedAdjacency = { n, adjacency, rowScale };
  if (keep !== undefined) normalized.keep = keep;
  if (edgeMask !== undefined) normalized.edgeMask = edgeMask;
  return normalized;
}

function rowAbsSum(
  a: Float32Array | Float64Array,
  row: number,
  n: number,
  keep: Uint8Array | undefined,
  edgeMask: Uint8Array | undefined,
): number {
  let sum = 0;
  for (let s = 0; s < n; s++) {
    if ((keep === undefined || keep[s]) && (edgeMask === undefined || edgeMask[row + s])) {
      sum += Math.abs(a[row + s]!);
    }
  }
  return sum;
}

/** v Â (a row vector times Â). */
export function vectorTimes(m: NormalizedAdjacency, v: Float64Array): Float64Array {
  const { n, adjacency: a, rowScale, keep, edgeMask } = m;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const c = v[t]! * rowScale[t]!;
    if (c === 0) continue;
    const row = t * n;
    if (edgeMask === undefined) {
      for (let s = 0; s < n; s++) out[s]! += c * Math.abs(a[row + s]!);
    } else {
      for (let s = 0; s < n; s++) if (edgeMask[row + s]) out[s]! += c * Math.abs(a[row + s]!);
    }
  }
  if (keep !== undefined) for (let s = 0; s < n; s++) if (!keep[s]) out[s] = 0;
  return out;
}

/**
 * compute_influence: w Â + w Â² + …, until a term is exactly 0 (Â of an attribution graph is
 * nilpotent: edges go from lower layers to higher ones), at most `maxIter` more terms.
 */
export function influenceOf(
  m: NormalizedAdjacency,
  weights: Float64Array,
  maxIter = 1000,
): Float64Array {
  if (weights.length !== m.n) {
    throw new Error(`influence: expected ${m.n} weights, found ${weights.length}`);
  }
  let current = vectorTimes(m, weights);
  const influence = Float64Array.from(current);
  let iterations = 0;
  while (current.some((x) => x !== 0)) {
    if (iterations >= maxIter) {
      throw new Error(`Influence computation failed to converge after ${iterations} iterations`);
    }
    current = vectorTimes(m, current);
    for (let i = 0; i < m.n; i++) influence[i]! += current[i]!;
    iterations++;
  }
  return influence;
}
