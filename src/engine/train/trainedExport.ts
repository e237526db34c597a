import { foldDecoderNorms } from "../dictionary/folds.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { rescales, type ArchitectureOptions } from "./architecture.ts";
import { foldNormalization } from "./normalization.ts";

/**
 * The weights a run saves, acting on raw activations (SAELens's save_inference_model): the TopK
 * family's decoder norms folded in (its selection on pre·‖W_dec[j]‖ becomes one on pre, which
 * leaves BatchTopK's τ, already in that space, as the threshold of every latent), then the
 * activation scales. The norms fold first: they are the norms in the normalised space.
 */
export function exportTrained(
  spec: DictionarySpec,
  a: ArchitectureOptions,
  trained: DictionaryParams,
  sIn: number,
  sOut: number,
): DictionaryParams {
  let p = trained;
  if (rescales(a)) {
    const { threshold, ...weights } = p;
    p = { ...foldDecoderNorms(spec, weights), ...(threshold ? { threshold } : {}) };
  }
  return foldNormalization(p, sIn, sOut);
}
