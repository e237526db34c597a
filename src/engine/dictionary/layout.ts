import type { DictionaryParams, DictionarySpec } from "./spec.ts";

/**
 * What the layout keeps in its threshold block: nothing; JumpReLU's trained log θ per latent
 * ("log", params.threshold holds θ); or BatchTopK's running threshold τ, a buffer that is never
 * trained ("scalar", params.threshold holds τ for every latent).
 */
export type ThresholdStorage = "none" | "log" | "scalar";

/**
 * The GPU's flat parameter layout:
 *   W_enc [dInP, Fp] | b_enc [Fp] | W_dec [Fp, dOutP] | b_dec [dOutP] | threshold | W_skipᵀ [dInP, dOutP]
 * with d_in, d_sae and d_out padded to multiples of 4 (dInP, Fp, dOutP) so that kernels read
 * vec4s; the threshold block is Fp floats ("log"), 4 ("scalar") or none, W_skipᵀ is there for a
 * skip transcoder (transposed, so that x' @ W_skipᵀ is the encoder's product). Gradients and
 * Adam moments use the same layout; padding entries stay exactly zero.
 */
export interface ParamLayout {
  dIn: number;
  dSae: number;
  dOut: number;
  fp: number;
  dInP: number;
  dOutP: number;
  offWEnc: number;
  offBEnc: number;
  offWDec: number;
  offBDec: number;
  threshold: ThresholdStorage;
  offThreshold: number;
  skip: boolean;
  offWSkip: number;
  total: number;
}

export function paramLayout(
  spec: Pick<DictionarySpec, "dIn" | "dSae" | "dOut" | "skip">,
  threshold: ThresholdStorage = "none",
): ParamLayout {
  const up4 = (n: number) => Math.ceil(n / 4) * 4;
  const fp = up4(spec.dSae);
  const dInP = up4(spec.dIn);
  const dOutP = up4(spec.dOut);
  const skip = spec.skip === true;
  const offWEnc = 0;
  const offBEnc = dInP * fp;
  const offWDec = offBEnc + fp;
  const offBDec = offWDec + fp * dOutP;
  const offThreshold = offBDec + dOutP;
  const offWSkip = offThreshold + { none: 0, log: fp, scalar: 4 }[threshold];
  const total = offWSkip + (skip ? dInP * dOutP : 0);
  return {
    dIn: spec.dIn,
    dSae: spec.dSae,
    dOut: spec.dOut,
    fp,
    dInP,
    dOutP,
    offWEnc,
    offBEnc,
    offWDec,
    offBDec,
    threshold,
    offThreshold,
    skip,
    offWSkip,
    total,
  };
}

export function packParams(layout: ParamLayout, p: DictionaryParams): Float32Array<ArrayBuffer> {
  const { dIn, dSae, dOut, fp, dOutP } = layout;
  const flat = new Float32Array(layout.total);
  for (let k = 0; k < dIn; k++) {
    flat.set(p.wEnc.subarray(k * dSae, (k + 1) * dSae), layout.offWEnc + k * fp);
  }
  flat.set(p.bEnc.subarray(0, dSae), layout.offBEnc);
  for (let i = 0; i < dSae; i++) {
    flat.set(p.wDec.subarray(i * dOut, (i + 1) * dOut), layout.offWDec + i * dOutP);
  }
  flat.set(p.bDec.subarray(0, dOut), layout.offBDec);
  if (layout.threshold === "log") {
    if (!p.threshold) throw new Error("a JumpReLU layout needs params.threshold");
    for (let i = 0; i < dSae; i++) flat[layout.offThreshold + i] = Math.log(p.threshold[i]!);
  } else if (layout.threshold === "scalar") {
    flat[layout.offThreshold] = p.threshold?.[0] ?? 0;
  }
  if (layout.skip && p.wSkip) {
    for (let d = 0; d < dOut; d++) {
      for (let k = 0; k < dIn; k++) flat[layout.offWSkip + k * dOutP + d] = p.wSkip[d * dIn + k]!;
    }
  }
  return flat;
}

/**
 * The parameters of a flat buffer. `raw` leaves the threshold block as stored (log θ, or its
 * gradient or Adam moment), for buffers other than the parameters.
 */
export function unpackParams(
  layout: ParamLayout,
  flat: Float32Array,
  raw = false,
): DictionaryParams {
  const { dIn, dSae, dOut, fp, dOutP } = layout;
  const wEnc = new Float32Array(dIn * dSae);
  for (let k = 0; k < dIn; k++) {
    wEnc.set(flat.subarray(layout.offWEnc + k * fp, layout.offWEnc + k * fp + dSae), k * dSae);
  }
  const wDec = new Float32Array(dSae * dOut);
  for (let i = 0; i < dSae; i++) {
    const start = layout.offWDec + i * dOutP;
    wDec.set(flat.subarray(start, start + dOut), i * dOut);
  }
  const p: DictionaryParams = {
    wEnc,
    bEnc: flat.slice(layout.offBEnc, layout.offBEnc + dSae),
    wDec,
    bDec: flat.slice(layout.offBDec, layout.offBDec + dOut),
  };
  const block = flat.subarray(layout.offThreshold, layout.offThreshold + dSae);
  if (layout.threshold === "log") p.threshold = raw ? block.slice() : block.map(Math.exp);
  if (layout.threshold === "scalar") {
    p.threshold = new Float32Array(dSae).fill(flat[layout.offThreshold]!);
  }
  if (layout.skip) {
    const wSkip = new Float32Array(dOut * dIn);
    for (let d = 0; d < dOut; d++) {
      for (let k = 0; k < dIn; k++) wSkip[d * dIn + k] = flat[layout.offWSkip + k * dOutP + d]!;
    }
    p.wSkip = wSkip;
  }
  return p;
}
