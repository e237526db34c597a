import type { AttributionTargets, FrozenModel } from "./frozenModel.ts";
import { frozenForward, readTargets, type FrozenInputs } from "./frozenForward.ts";
import type { ReplacementForward } from "./replacementForward.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

/**
 * Everything the frozen model adds that is not a node: b_O (b_V folded in) at every position;
 * at each hook_mlp_out, b_dec from position 1 on, and at position 0 (BOS, whose features and
 * error are zeroed) the true MLP output less its skip path, which stays linear there.
 */
export function frozenConstants(forward: ReplacementForward, set: TranscoderSet): FrozenInputs {
  const { model, layers, weights } = forward;
  const { positions: P, dModel: d } = model;
  const mlpOut = layers.map((cap, l) => {
    const out = new Float64Array(P * d);
    const bDec = set.layers[l]?.params.bDec;
    for (let p = 1; bDec && p < P; p++) out.set(bDec, p * d);
    const wSkip = model.layers[l]!.wSkip;
    for (let c = 0; c < d; c++) {
      let skip = 0;
      for (let k = 0; wSkip && k < d; k++) skip += wSkip[c * d + k]! * cap.normalized[k]!;
      out[c] = cap.mlpOut[c]! - skip;
    }
    return out;
  });
  return { attnBias: weights.layers.map((l) => l.bO), mlpOut };
}

/**
 * Each target's constant term c_t: its value in the frozen model with every source zeroed,
 * plus its own bias (b_enc[f] for a feature, b_U[k] − mean(b_U) for a logit). Then
 * Σ_s A[t, s] + c_t is the target's pre-activation or centred logit.
 */
export function constantTerms(
  model: FrozenModel,
  constants: FrozenInputs,
  targets: AttributionTargets,
  biases: Float64Array,
): Float64Array {
  const values = readTargets(model, frozenForward(model, constants), targets);
  return values.map((v, t) => v + biases[t]!);
}
