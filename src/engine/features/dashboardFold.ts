/**
 * SAEDashboard folds a dictionary's decoder norms before it computes anything
 * (sae_vis_runner.py calls encoder.fold_W_dec_norm()): a feature's activation becomes
 * f·‖W_dec[f]‖ and its decoder row unit-norm, so max_activation, the histograms and the logit
 * tables do not depend on how a dictionary splits its scale between encoder and decoder.
 */
import { foldDecoderNorms } from "../dictionary/folds.ts";
import { activationOf, type DictionaryParams, type DictionarySpec } from "../dictionary/spec.ts";

export interface DashboardDictionary {
  /** What the GPU runs to get the latents. */
  params: DictionaryParams;
  /** Per feature, multiplies the latents params gives (TopK only; else undefined: 1). */
  latentScale?: Float32Array<ArrayBuffer>;
  /** The folded weights the weight views read (unit decoder rows). */
  viewParams: DictionaryParams;
}

/** ‖W_dec[f]‖ per feature, in float64. */
export function decoderNorms(spec: DictionarySpec, p: DictionaryParams): Float64Array {
  const out = new Float64Array(spec.dSae);
  for (let f = 0; f < spec.dSae; f++) {
    let ss = 0;
    for (let d = 0; d < spec.dOut; d++) ss += p.wDec[f * spec.dOut + d]! ** 2;
    out[f] = Math.sqrt(ss);
  }
  return out;
}

/**
 * ReLU and JumpReLU: SAELens's fold_W_dec_norm on the parameters (W_enc's columns, b_enc and a
 * JumpReLU threshold times n, W_dec's rows over n), which gives the same latents times n. TopK:
 * SAELens refuses to fold one that does not rescale by decoder norms, as scaling the
 * pre-activations would change which k are chosen; here the selection stays on the
 * dictionary's own pre-activations and the latents after it are multiplied by n. A zero decoder
 * row keeps its latent at 0 (SAELens would divide by it).
 */
export function foldForDashboards(
  spec: DictionarySpec,
  params: DictionaryParams,
): DashboardDictionary {
  const viewParams = foldDecoderNorms(spec, params);
  if (activationOf(spec).kind !== "topk") return { params: viewParams, viewParams };
  return { params, latentScale: Float32Array.from(decoderNorms(spec, params)), viewParams };
}
