import type { DictionaryParams, DictionarySpec } from "./spec.ts";

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DECODER_INIT_NORM = 0.1;

/**
 * [rows, cols] matrix with Kaiming-uniform rows (fan_in = cols, as torch's kaiming_uniform_
 * on a [rows, cols] tensor), each row then rescaled to L2 norm `rowNorm`.
 */
function kaimingRowsWithNorm(rows: number, cols: number, rowNorm: number, rand: () => number) {
  const bound = Math.sqrt(2) * Math.sqrt(3 / cols);
  const m = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    const row = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      row[c] = (2 * rand() - 1) * bound;
      sq += row[c]! ** 2;
    }
    const scale = sq > 0 ? rowNorm / Math.sqrt(sq) : 0;
    for (let c = 0; c < cols; c++) m[r * cols + c] = row[c]! * scale;
  }
  return m;
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array<ArrayBuffer> {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

/**
 * Seeded initialization of training-math.md: W_dec rows Kaiming-uniform rescaled to norm 0.1,
 * W_enc = W_dec^T (a transcoder with d_in != d_out draws W_enc the same way on its own shape),
 * zero biases.
 */
export function initDictionary(
  spec: Pick<DictionarySpec, "dIn" | "dSae" | "dOut">,
  seed: number,
): DictionaryParams {
  const rand = seededRandom(seed);
  const wDec = kaimingRowsWithNorm(spec.dSae, spec.dOut, DECODER_INIT_NORM, rand);
  const wEncT =
    spec.dIn === spec.dOut
      ? wDec
      : kaimingRowsWithNorm(spec.dSae, spec.dIn, DECODER_INIT_NORM, rand);
  return {
    wEnc: transpose(wEncT, spec.dSae, spec.dIn),
    bEnc: new Float32Array(spec.dSae),
    wDec,
    bDec: new Float32Array(spec.dOut),
  };
}
