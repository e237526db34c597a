/**
 * The selections of the TopK family (architectures.md §2–§3), as 0/1 masks over [rows, dSae].
 * Ties go to the lower index, as `topIndices` breaks them; torch.topk leaves them unspecified,
 * so tests and fixtures keep away from ties.
 */
import { topIndices } from "./dictionaryInference.ts";

/** SAELens TopK: the k largest hidden_pre of each row (a ReLU follows). */
export function topKMask(
  hiddenPre: Float64Array,
  rows: number,
  dSae: number,
  k: number,
): Uint8Array {
  const mask = new Uint8Array(rows * dSae);
  for (let b = 0; b < rows; b++) {
    for (const j of topIndices(hiddenPre.subarray(b * dSae, (b + 1) * dSae), k)) {
      mask[b * dSae + j] = 1;
    }
  }
  return mask;
}

/** SAELens BatchTopK: ReLU first, then the int(k·rows) largest entries of the whole batch. */
export function batchTopKMask(hiddenPre: Float64Array, rows: number, k: number): Uint8Array {
  const relu = hiddenPre.map((v) => Math.max(0, v));
  const mask = new Uint8Array(hiddenPre.length);
  for (const e of topIndices(relu, Math.trunc(k * rows))) mask[e] = 1;
  return mask;
}

/**
 * AuxK candidates: per row the kAux largest hidden_pre among dead latents, i.e. the top-k of
 * where(dead, hidden_pre, −∞). kAux never exceeds the number of dead latents.
 */
export function auxKMask(
  hiddenPre: Float64Array,
  rows: number,
  dSae: number,
  deadMask: Uint8Array,
  kAux: number,
): Uint8Array {
  const mask = new Uint8Array(rows * dSae);
  const candidates = new Float64Array(dSae);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < dSae; j++) {
      candidates[j] = deadMask[j] ? hiddenPre[b * dSae + j]! : -Infinity;
    }
    for (const j of topIndices(candidates, kAux)) mask[b * dSae + j] = 1;
  }
  return mask;
}

/** SAELens's k_aux and loss scale for `numDead` dead latents and a residual of width dOut. */
export function auxKSize(numDead: number, dOut: number): { kAux: number; scale: number } {
  const half = Math.floor(dOut / 2);
  return { kAux: Math.min(half, numDead), scale: Math.min(numDead / half, 1) };
}
