import type { AttributionTargets, FrozenModel } from "./frozenModel.ts";

/**
 * What enters the frozen replacement model, each absent = 0. With attention patterns and
 * LayerNorm scales frozen and every MLP replaced by its skip path plus whatever is written at
 * its hook_mlp_out, the model is affine in these inputs (frozenModel.ts).
 */
export interface FrozenInputs {
  /** [P, d] added at blocks.0.hook_resid_pre. */
  embed?: Float64Array;
  /** Per layer, [P, d] added at blocks.ℓ.hook_mlp_out (on top of the skip path). */
  mlpOut?: readonly (Float64Array | undefined)[];
  /** Per layer, [d] added to the attention output at every position (b_O). */
  attnBias?: readonly (ArrayLike<number> | undefined)[];
}

/** Where targets are read. */
export interface FrozenState {
  /** Per layer, [P, d]: blocks.ℓ.ln2.hook_normalized. */
  normalized: Float64Array[];
  /** [P, d]: ln_final's normalized output (the processed unembedding's input). */
  finalNormalized: Float64Array;
}

/** Float64 forward pass of the frozen model (the JVP when the inputs hold no constants). */
export function frozenForward(model: FrozenModel, inputs: FrozenInputs): FrozenState {
  const { dModel: d, positions: P } = model;
  const resid = new Float64Array(P * d);
  if (inputs.embed) resid.set(inputs.embed);
  const normalized = model.layers.map((layer, l) => {
    const n1 = frozenLayerNorm(resid, layer.ln1Scale, d, layer.ln1Gain);
    const attn = frozenAttention(model, l, n1);
    const bias = inputs.attnBias?.[l];
    for (let i = 0; i < P * d; i++) resid[i]! += attn[i]! + (bias ? bias[i % d]! : 0);
    const n2 = frozenLayerNorm(resid, layer.ln2Scale, d);
    if (layer.wSkip) addSkip(resid, n2, layer.wSkip, P, d);
    const written = inputs.mlpOut?.[l];
    if (written) for (let i = 0; i < P * d; i++) resid[i]! += written[i]!;
    return n2;
  });
  return { normalized, finalNormalized: frozenLayerNorm(resid, model.lnFinalScale, d) };
}

/** (x − mean(x)) / s[p] per row, times the gain if there is one. */
export function frozenLayerNorm(
  x: Float64Array,
  scale: Float64Array,
  d: number,
  gain?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(x.length);
  for (let p = 0; p < scale.length; p++) {
    let mean = 0;
    for (let c = 0; c < d; c++) mean += x[p * d + c]!;
    mean /= d;
    const inv = 1 / scale[p]!;
    for (let c = 0; c < d; c++) {
      out[p * d + c] = (x[p * d + c]! - mean) * inv * (gain ? gain[c]! : 1);
    }
  }
  return out;
}

/** Σ_h Σ_q pattern[h, p, q] (n1_q W_V^h) W_O^h, without b_O. */
function frozenAttention(model: FrozenModel, l: number, n1: Float64Array): Float64Array {
  const { dModel: d, positions: P, nHead: H, dHead: DH } = model;
  const { wV, wO, pattern } = model.layers[l]!;
  const v = matmul(n1, wV, P, d, d);
  const z = new Float64Array(P * d);
  for (let h = 0; h < H; h++) {
    for (let p = 0; p < P; p++) {
      for (let q = 0; q <= p; q++) {
        const a = pattern[(h * P + p) * P + q]!;
        if (a === 0) continue;
        for (let i = 0; i < DH; i++) z[p * d + h * DH + i]! += a * v[q * d + h * DH + i]!;
      }
    }
  }
  return matmul(z, wO, P, d, d);
}

/** resid[p] += W_skip n2[p], W_skip [d (out), d (in)]. */
function addSkip(resid: Float64Array, n2: Float64Array, wSkip: Float32Array, P: number, d: number) {
  for (let p = 0; p < P; p++) {
    for (let o = 0; o < d; o++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += wSkip[o * d + k]! * n2[p * d + k]!;
      resid[p * d + o]! += s;
    }
  }
}

/** x [rows, K] @ w [K, N]. */
export function matmul(
  x: Float64Array,
  w: ArrayLike<number>,
  rows: number,
  K: number,
  N: number,
): Float64Array {
  const out = new Float64Array(rows * N);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < K; k++) {
      const xv = x[r * K + k]!;
      if (xv === 0) continue;
      for (let n = 0; n < N; n++) out[r * N + n]! += xv * w[k * N + n]!;
    }
  }
  return out;
}

/** Each target's value r_t · (its read point at its position). */
export function readTargets(
  model: FrozenModel,
  state: FrozenState,
  targets: AttributionTargets,
): Float64Array {
  const d = model.dModel;
  const out = new Float64Array(targets.count);
  for (let t = 0; t < targets.count; t++) {
    const l = targets.layer[t]!;
    const at = l === model.nLayer ? state.finalNormalized : state.normalized[l]!;
    const base = targets.pos[t]! * d;
    let s = 0;
    for (let c = 0; c < d; c++) s += targets.vectors[t * d + c]! * at[base + c]!;
    out[t] = s;
  }
  return out;
}
