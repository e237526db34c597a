/**
 * Cosine similarities between two sets of row vectors, as SAELens's util.cosine_similarities:
 * each row divided by max(‖row‖, 1e-8) (a zero row stays zero, its cosines 0), then A @ Bᵀ.
 * The float64 reference for the GPU product (similarityGpu.ts).
 */

/** SAELens's clamp on a row's norm before dividing by it. */
export const NORM_CLAMP = 1e-8;

/** Rows of m [rows, d] over max(‖row‖, NORM_CLAMP), in float64. */
export function unitRows64(m: ArrayLike<number>, rows: number, d: number): Float64Array {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += m[r * d + k]! ** 2;
    const inv = 1 / Math.max(Math.sqrt(ss), NORM_CLAMP);
    for (let k = 0; k < d; k++) out[r * d + k] = m[r * d + k]! * inv;
  }
  return out;
}

export interface SimilarityShape {
  rowsA: number;
  rowsB: number;
  d: number;
}

/** cos[i, j] between row i of a [rowsA, d] and row j of b [rowsB, d], float64. */
export function cosineSimilaritiesReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: SimilarityShape,
): Float64Array {
  const { rowsA, rowsB, d } = shape;
  checkSimilarityShape(a, b, shape);
  const ua = unitRows64(a, rowsA, d);
  const ub = unitRows64(b, rowsB, d);
  const out = new Float64Array(rowsA * rowsB);
  for (let i = 0; i < rowsA; i++) {
    for (let j = 0; j < rowsB; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += ua[i * d + k]! * ub[j * d + k]!;
      out[i * rowsB + j] = dot;
    }
  }
  return out;
}

export function checkSimilarityShape(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  { rowsA, rowsB, d }: SimilarityShape,
): void {
  if (a.length !== rowsA * d) {
    throw new Error(
      `cosine similarities: the first set holds ${a.length} values, expected ${rowsA} x ${d}`,
    );
  }
  if (b.length !== rowsB * d) {
    throw new Error(
      `cosine similarities: the second set holds ${b.length} values, expected ${rowsB} x ${d}`,
    );
  }
}

/** Each latent's best feature: the first column of its row's largest |cos| (torch.argmax). */
export function bestMatches(cos: ArrayLike<number>, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = -1;
    let at = 0;
    for (let j = 0; j < cols; j++) {
      const c = Math.abs(cos[i * cols + j]!);
      if (c > best) {
        best = c;
        at = j;
      }
    }
    out[i] = at;
  }
  return out;
}
