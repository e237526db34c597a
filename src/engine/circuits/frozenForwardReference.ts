import type { AttributionSources, FrozenModel } from "./frozenModel.ts";

/** What a frozen forward pass exposes to targets. */
export interface FrozenForwardReads {
  /** Per layer, [P, d]: blocks.ℓ.ln2.hook_normalized (a feature target reads r · n2[pos]). */
  ln2Normalized: Float64Array[];
  /** [P, d]: ln_final's output (a logit target reads r · nF[P − 1]). */
  lnFinalNormalized: Float64Array;
}

/**
 * The frozen replacement model run forward (float64), with nothing but the sources written:
 * each source vector is added at its slot (hook_embed or blocks.ℓ.hook_mlp_out) and position.
 * Patterns and LayerNorm scales are frozen and there are no biases, so every read is linear in
 * the sources; a single source's reads are its adjacency column (a JVP, independent of the
 * backward passes).
 */
export function frozenForwardReference(
  model: FrozenModel,
  sources: AttributionSources,
): FrozenForwardReads {
  const { nLayer: L, dModel: d, positions: P } = model;
  const written = (slot: number): Float64Array => {
    const out = new Float64Array(P * d);
    for (let s = 0; s < sources.count; s++) {
      if (sources.slot[s] !== slot) continue;
      const at = sources.pos[s]! * d;
      for (let c = 0; c < d; c++) out[at + c]! += sources.vectors[s * d + c]!;
    }
    return out;
  };
  let x = written(L);
  const ln2Normalized: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const layer = model.layers[l]!;
    const n1 = normalize(x, layer.ln1Scale, d);
    if (layer.ln1Gain) for (let i = 0; i < n1.length; i++) n1[i]! *= layer.ln1Gain[i % d]!;
    const v = times(n1, layer.wV, d, false);
    const z = new Float64Array(P * d);
    for (let p = 0; p < P; p++)
      for (let j = 0; j < d; j++) {
        const h = Math.floor(j / model.dHead);
        let sum = 0;
        for (let q = 0; q <= p; q++) sum += layer.pattern[(h * P + p) * P + q]! * v[q * d + j]!;
        z[p * d + j] = sum;
      }
    const attn = times(z, layer.wO, d, false);
    const mid = x.map((value, i) => value + attn[i]!);
    const n2 = normalize(mid, layer.ln2Scale, d);
    ln2Normalized.push(n2);
    const y = layer.wSkip ? times(n2, layer.wSkip, d, true) : new Float64Array(P * d);
    const out = written(l);
    x = mid.map((value, i) => value + y[i]! + out[i]!);
  }
  return { ln2Normalized, lnFinalNormalized: normalize(x, model.lnFinalScale, d) };
}

/** A LayerNorm with a frozen scale and no gain or bias: (x − mean(x)) / s[p]. */
function normalize(x: Float64Array, scale: Float64Array, d: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length / d; p++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[p * d + c]! / d;
    for (let c = 0; c < d; c++) out[p * d + c] = (x[p * d + c]! - mean) / scale[p]!;
  }
  return out;
}

/** x @ W, or with `transposeW` x @ Wᵀ, for x [rows, d] and W [d, d]. */
function times(x: Float64Array, w: ArrayLike<number>, d: number, transposeW: boolean) {
  const out = new Float64Array(x.length);
  for (let p = 0; p < x.length / d; p++)
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let c = 0; c < d; c++) sum += x[p * d + c]! * w[transposeW ? j * d + c : c * d + j]!;
      out[p * d + j] = sum;
    }
  return out;
}
