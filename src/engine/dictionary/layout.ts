import type { DictionaryParams, DictionarySpec } from "./spec.ts";

/**
 * The GPU's flat parameter layout: W_enc [dIn, Fp] | b_enc [Fp] | W_dec [Fp, dOut] | b_dec [dOut],
 * with d_sae padded to Fp (a multiple of 4) so the encoder reads vec4s. Gradients and Adam
 * moments use the same layout; padding latents stay exactly zero.
 */
export interface ParamLayout {
  dIn: number;
  dSae: number;
  dOut: number;
  fp: number;
  offWEnc: number;
  offBEnc: number;
  offWDec: number;
  offBDec: number;
  total: number;
}

export function paramLayout(spec: Pick<DictionarySpec, "dIn" | "dSae" | "dOut">): ParamLayout {
  const fp = Math.ceil(spec.dSae / 4) * 4;
  const offWEnc = 0;
  const offBEnc = spec.dIn * fp;
  const offWDec = offBEnc + fp;
  const offBDec = offWDec + fp * spec.dOut;
  const total = offBDec + spec.dOut;
  return {
    dIn: spec.dIn,
    dSae: spec.dSae,
    dOut: spec.dOut,
    fp,
    offWEnc,
    offBEnc,
    offWDec,
    offBDec,
    total,
  };
}

export function packParams(layout: ParamLayout, p: DictionaryParams): Float32Array<ArrayBuffer> {
  const { dIn, dSae, dOut, fp } = layout;
  const flat = new Float32Array(layout.total);
  for (let k = 0; k < dIn; k++) {
    flat.set(p.wEnc.subarray(k * dSae, (k + 1) * dSae), layout.offWEnc + k * fp);
  }
  flat.set(p.bEnc, layout.offBEnc);
  flat.set(p.wDec.subarray(0, dSae * dOut), layout.offWDec);
  flat.set(p.bDec, layout.offBDec);
  return flat;
}

export function unpackParams(layout: ParamLayout, flat: Float32Array): DictionaryParams {
  const { dIn, dSae, dOut, fp } = layout;
  const wEnc = new Float32Array(dIn * dSae);
  for (let k = 0; k < dIn; k++) {
    wEnc.set(flat.subarray(layout.offWEnc + k * fp, layout.offWEnc + k * fp + dSae), k * dSae);
  }
  return {
    wEnc,
    bEnc: flat.slice(layout.offBEnc, layout.offBEnc + dSae),
    wDec: flat.slice(layout.offWDec, layout.offWDec + dSae * dOut),
    bDec: flat.slice(layout.offBDec, layout.offBDec + dOut),
  };
}
