import type { DictionarySpec } from "../dictionary/spec.ts";
import { activate } from "../reference/dictionaryInference.ts";
import type { SetTranscoder } from "./transcoderSet.ts";

/** One layer of the replacement model at the prompt. */
export interface LayerCapture {
  /** [P, d] blocks.ℓ.ln2.hook_normalized: the transcoder's input. */
  normalized: Float64Array;
  /** [P, d] the true blocks.ℓ.hook_mlp_out y. */
  mlpOut: Float64Array;
  /** The transcoder's width (0 where the layer has none). */
  dSae: number;
  /**
   * [P] the transcoder's input scale per token, frozen like a LayerNorm scale: 1, or
   * constant_norm_rescale's √d/‖x‖, or layer_norm's 1/(σ + 1e-5).
   */
  inputScale: Float64Array;
  /** [P, dSae] pre-activations h. */
  pre: Float64Array;
  /** [P, dSae] activations a = σ(h). */
  acts: Float64Array;
  /** [P, d] ŷ = Σ_f a_f W_dec[f] + b_dec + W_skip x (0 where the layer has no transcoder). */
  reconstruction: Float64Array;
  /** [P, d] e = y − ŷ, at every position (the nodes zero it at BOS). */
  error: Float64Array;
}

/**
 * A layer's transcoder run on its input: pre-activations, latents, reconstruction and error.
 * Without a transcoder, the reconstruction is 0 and the error is the whole MLP output.
 */
export function captureLayer(
  t: SetTranscoder | undefined,
  normalized: Float64Array,
  mlpOut: Float64Array,
  P: number,
  d: number,
): LayerCapture {
  if (!t) {
    return {
      normalized,
      mlpOut,
      dSae: 0,
      inputScale: new Float64Array(P).fill(1),
      pre: new Float64Array(0),
      acts: new Float64Array(0),
      reconstruction: new Float64Array(P * d),
      error: Float64Array.from(mlpOut),
    };
  }
  const { spec, params } = t;
  const dSae = spec.dSae;
  const inputScale = new Float64Array(P);
  const pre = new Float64Array(P * dSae);
  const acts = new Float64Array(P * dSae);
  const reconstruction = new Float64Array(P * d);
  for (let p = 0; p < P; p++) {
    const x = normalized.subarray(p * d, (p + 1) * d);
    const { shift, scale } = inputNormalization(spec, x);
    inputScale[p] = scale;
    const h = pre.subarray(p * dSae, (p + 1) * dSae);
    h.set(params.bEnc);
    for (let k = 0; k < d; k++) {
      const xk = (x[k]! - shift) * scale;
      for (let f = 0; f < dSae; f++) h[f]! += xk * params.wEnc[k * dSae + f]!;
    }
    const a = activate(spec, params, h);
    acts.set(a, p * dSae);
    const yHat = reconstruction.subarray(p * d, (p + 1) * d);
    yHat.set(params.bDec);
    for (let f = 0; f < dSae; f++) {
      const af = a[f]!;
      if (af !== 0) for (let c = 0; c < d; c++) yHat[c]! += af * params.wDec[f * d + c]!;
    }
    if (spec.skip) {
      for (let o = 0; o < d; o++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += params.wSkip![o * d + k]! * x[k]!;
        yHat[o]! += s;
      }
    }
  }
  const error = mlpOut.map((y, i) => y - reconstruction[i]!);
  return { normalized, mlpOut, dSae, inputScale, pre, acts, reconstruction, error };
}

/**
 * The transcoder's input normalisation of one token, x' = (x − shift)·scale (SAELens). On
 * ln2.hook_normalized layer_norm's shift (the mean) is 0 up to rounding; in the frozen model
 * it is the centring LN2 already applies, and the per-token scale is frozen.
 */
function inputNormalization(
  spec: DictionarySpec,
  x: Float64Array,
): { shift: number; scale: number } {
  const d = x.length;
  if (spec.normalizeActivations === "constant_norm_rescale") {
    let ss = 0;
    for (const v of x) ss += v * v;
    return { shift: 0, scale: Math.sqrt(d) / Math.sqrt(ss) };
  }
  if (spec.normalizeActivations === "layer_norm") {
    let mu = 0;
    for (const v of x) mu += v;
    mu /= d;
    let ss = 0;
    for (const v of x) ss += (v - mu) ** 2;
    return { shift: mu, scale: 1 / (Math.sqrt(ss / (d - 1)) + LAYER_NORM_EPS) };
  }
  return { shift: 0, scale: 1 };
}

/** SAELens's (and dictionaryInference's) layer_norm epsilon. */
const LAYER_NORM_EPS = 1e-5;
