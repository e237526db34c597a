/**
 * Float64 inference of every architecture a Dictionary can have (spec.ts): input
 * normalisation, the SAE's b_dec shift, the activation (ReLU, TopK, JumpReLU), the decoder,
 * an SAE's reconstruction mapped back (a transcoder's output is not: SAELens's Transcoder),
 * and the skip connection on the raw input. Slow and obvious on
 * purpose: the WGSL inference and every format converter are tested against it.
 */
import { activationOf, type DictionaryParams, type DictionarySpec } from "../dictionary/spec.ts";

export const LAYER_NORM_EPS = 1e-5;

export interface InferenceResult {
  /** [rows, dSae] */
  latents: Float64Array;
  /** [rows, dOut] */
  output: Float64Array;
}

interface RowNorm {
  /** x' = (x - shift) * scale; an SAE's output = y' * outScale + shift. */
  shift: number;
  scale: number;
  outScale: number;
}

function rowNormalization(spec: DictionarySpec, x: ArrayLike<number>, row: number): RowNorm {
  const d = spec.dIn;
  if (spec.normalizeActivations === "layer_norm") {
    let mu = 0;
    for (let k = 0; k < d; k++) mu += x[row * d + k]!;
    mu /= d;
    let ss = 0;
    for (let k = 0; k < d; k++) ss += (x[row * d + k]! - mu) ** 2;
    const std = Math.sqrt(ss / (d - 1));
    // The input is divided by std + eps, the output multiplied by std alone (SAELens, OpenAI).
    return { shift: mu, scale: 1 / (std + LAYER_NORM_EPS), outScale: std };
  }
  if (spec.normalizeActivations === "constant_norm_rescale") {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[row * d + k]! ** 2;
    const scale = Math.sqrt(d) / Math.sqrt(ss);
    return { shift: 0, scale, outScale: 1 / scale };
  }
  return { shift: 0, scale: 1, outScale: 1 };
}

/** Latents of one row from its pre-activations. */
export function activate(
  spec: DictionarySpec,
  params: Pick<DictionaryParams, "threshold">,
  pre: Float64Array,
): Float64Array {
  const act = activationOf(spec);
  const f = new Float64Array(pre.length);
  if (act.kind === "relu") {
    for (let i = 0; i < pre.length; i++) f[i] = Math.max(0, pre[i]!);
  } else if (act.kind === "jumprelu") {
    const theta = params.threshold;
    if (theta === undefined) throw new Error("a JumpReLU dictionary needs a threshold");
    for (let i = 0; i < pre.length; i++) {
      const p = pre[i]!;
      f[i] = p > theta[i]! ? (act.relu ? Math.max(0, p) : p) : 0;
    }
  } else {
    const relu = act.relu ?? true;
    for (const i of topIndices(pre, act.k)) f[i] = relu ? Math.max(0, pre[i]!) : pre[i]!;
  }
  return f;
}

/** Indices of the k largest values, ties broken by the lower index. */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => values[b]! - values[a]! || a - b);
  return idx.slice(0, Math.min(k, values.length));
}

export interface InferenceOptions {
  /**
   * A BatchTopK dictionary as it trains (SAELens's BatchTopK activation): ReLU, then the
   * int(k·rows) largest values over all `rows` rows together (ties: lower row-major index)
   * instead of the spec's activation.
   */
  batchTopK?: number;
}

/** x [rows, dIn] → latents [rows, dSae] and the reconstruction/prediction [rows, dOut]. */
export function inferenceReference(
  spec: DictionarySpec,
  params: DictionaryParams,
  x: ArrayLike<number>,
  rows: number,
  options: InferenceOptions = {},
): InferenceResult {
  const { dIn, dSae, dOut } = spec;
  const shift = spec.kind === "sae" && spec.applyBDecToInput;
  const latents = new Float64Array(rows * dSae);
  const output = new Float64Array(rows * dOut);
  const norms = Array.from({ length: rows }, (_, r) => rowNormalization(spec, x, r));
  const xp = new Float64Array(dIn);
  const pre = new Float64Array(dSae);
  for (let r = 0; r < rows; r++) {
    const norm = norms[r]!;
    for (let k = 0; k < dIn; k++) {
      xp[k] = (x[r * dIn + k]! - norm.shift) * norm.scale - (shift ? params.bDec[k]! : 0);
    }
    for (let i = 0; i < dSae; i++) {
      let t = params.bEnc[i]!;
      for (let k = 0; k < dIn; k++) t += xp[k]! * params.wEnc[k * dSae + i]!;
      pre[i] = t;
    }
    latents.set(options.batchTopK === undefined ? activate(spec, params, pre) : pre, r * dSae);
  }
  if (options.batchTopK !== undefined) batchTopKInPlace(latents, options.batchTopK, rows);
  for (let r = 0; r < rows; r++) {
    const norm = norms[r]!;
    const f = latents.subarray(r * dSae, (r + 1) * dSae);
    for (let d = 0; d < dOut; d++) {
      let y = params.bDec[d]!;
      for (let i = 0; i < dSae; i++) {
        if (f[i] !== 0) y += f[i]! * params.wDec[i * dOut + d]!;
      }
      // SAELens's Transcoder.decode has no run_time_activation_norm_fn_out: d_out is not d_in.
      if (spec.kind === "sae") y = y * norm.outScale + norm.shift;
      if (spec.skip) {
        const wSkip = params.wSkip;
        if (wSkip === undefined) throw new Error("a skip transcoder needs W_skip");
        for (let k = 0; k < dIn; k++) y += x[r * dIn + k]! * wSkip[d * dIn + k]!;
      }
      output[r * dOut + d] = y;
    }
  }
  return { latents, output };
}

/** ReLU, then keeps the int(k·rows) largest positive values of the whole batch. */
function batchTopKInPlace(pre: Float64Array, k: number, rows: number): void {
  const keep = new Set(
    topIndices(
      Array.from(pre, (v) => Math.max(0, v)),
      Math.trunc(k * rows),
    ),
  );
  for (let e = 0; e < pre.length; e++) pre[e] = keep.has(e) && pre[e]! > 0 ? pre[e]! : 0;
}
