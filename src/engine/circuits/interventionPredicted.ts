import { frozenForward } from "./frozenForward.ts";
import type { AppliedIntervention } from "./interventionTypes.ts";
import type { FrozenModel } from "./frozenModel.ts";
import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

/**
 * The change of each token's centred logit that the attribution graph's direct edges predict:
 * Σ_s (multiplier_s − 1) · A[logit, s]. The model is linear in its sources once frozen
 * (frozenModel.ts), so this is one forward pass of the frozen model with Σ_s Δa_s · W_dec[f_s]
 * written at each source's hook_mlp_out, read through ln_final's frozen scale against ū_k: the
 * same numbers as the unpruned adjacency's logit rows, for any token, not only the graph's
 * logit nodes.
 */
export function predictedLogitChanges(
  model: FrozenModel,
  weights: Gpt2Weights,
  set: TranscoderSet,
  interventions: readonly AppliedIntervention[],
  tokens: readonly number[],
): Float64Array {
  const { positions: P, dModel: d, nLayer } = model;
  const mlpOut = Array.from({ length: nLayer }, () => new Float64Array(P * d));
  for (const iv of interventions) {
    const wDec = set.layers[iv.layer]!.params.wDec;
    const delta = iv.value - iv.activation;
    const into = mlpOut[iv.layer]!;
    for (let c = 0; c < d; c++) into[iv.pos * d + c]! += delta * wDec[iv.feature * d + c]!;
  }
  const final = frozenForward(model, { mlpOut }).finalNormalized.subarray((P - 1) * d, P * d);
  const V = weights.config.vocabSize;
  const { wU } = weights;
  const meanColumn = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let k = 0; k < V; k++) s += wU[c * V + k]!;
    meanColumn[c] = s / V;
  }
  return Float64Array.from(tokens, (k) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += final[c]! * (wU[c * V + k]! - meanColumn[c]!);
    return s;
  });
}
