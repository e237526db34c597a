import type { DictionaryParams, DictionarySpec } from "./spec.ts";

/**
 * The GPU's flat parameter layout: W_enc [dInP, Fp] | b_enc [Fp] | W_dec [Fp, dOutP] | b_dec [dOutP],
 * with d_in, d_sae and d_out padded to multiples of 4 (dInP, Fp, dOutP) so that kernels read
 * vec4s. Gradients and Adam moments use the same layout; padding entries stay exactly zero.
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
  total: number;
}

export function paramLayout(spec: Pick<DictionarySpec, "dIn" | "dSae" | "dOut">): ParamLayout {
  const up4 = (n: number) => Math.ceil(n / 4) * 4;
  const fp = up4(spec.dSae);
  const dInP = up4(spec.dIn);
  const dOutP = up4(spec.dOut);
  const offWEnc = 0;
  const offBEnc = dInP * fp;
  const offWDec = offBEnc + fp;
  const offBDec = offWDec + fp * dOutP;
  const total = offBDec + dOutP;
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
  return flat;
}

export function unpackParams(layout: ParamLayout, flat: Float32Array): DictionaryParams {
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
  return {
    wEnc,
    bEnc: flat.slice(layout.offBEnc, layout.offBEnc + dSae),
    wDec,
    bDec: flat.slice(layout.offBDec, layout.offBDec + dOut),
  };
}
