/**
 * The two metrics of eval_sae_on_synthetic_data that depend on weights alone, from the
 * |cosine| matrix C [d_sae, N] of a dictionary's latent directions (decoder rows, or encoder
 * columns) against the true feature vectors:
 * - MCC: linear_sum_assignment(1 − C) matches min(d_sae, N) pairs one-to-one (every latent a
 *   distinct feature when d_sae ≤ N), MCC = the mean matched C;
 * - uniqueness: |{argmax_j C_ij}| / d_sae, over every latent (0 without latents).
 */
import { linearSumAssignment, type Assignment } from "./assignment.ts";
import { bestMatches } from "./similarityMatrix.ts";

export interface LatentMatching {
  mcc: number;
  uniqueness: number;
  /** Each latent's best feature by |cos| (first on ties), the classification's pairing. */
  bestMatch: Int32Array;
  /** The one-to-one matching MCC averages over. */
  assignment: Assignment;
}

/** |x| of every entry, in place (the matching reads |cos|; the heatmap wants the sign first). */
export function absInPlace<T extends Float32Array | Float64Array>(m: T): T {
  for (let i = 0; i < m.length; i++) m[i] = Math.abs(m[i]!);
  return m;
}

export function featureUniqueness(bestMatch: Int32Array): number {
  if (bestMatch.length === 0) return 0;
  return new Set(bestMatch).size / bestMatch.length;
}

/** MCC, uniqueness and best matches from |cos| [dSae, numFeatures]. */
export function matchLatents(
  absCos: Float32Array | Float64Array,
  dSae: number,
  numFeatures: number,
): LatentMatching {
  const assignment = linearSumAssignment(absCos, dSae, numFeatures, { maximize: true });
  let sum = 0;
  for (let k = 0; k < assignment.rowInd.length; k++) {
    sum += absCos[assignment.rowInd[k]! * numFeatures + assignment.colInd[k]!]!;
  }
  const bestMatch = bestMatches(absCos, dSae, numFeatures);
  return {
    mcc: assignment.rowInd.length ? sum / assignment.rowInd.length : 0,
    uniqueness: featureUniqueness(bestMatch),
    bestMatch,
    assignment,
  };
}
