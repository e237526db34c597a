import { activationOf, type DictionaryParams, type DictionarySpec } from "../dictionary/spec.ts";
import { MAX_TOPK } from "./gpuTopkRows.ts";

/** A dictionary's weights laid out for GPU inference; Fp is d_sae rounded up to 4. */
export interface ApplyWeights {
  fp: number;
  /** [dIn, fp], zero padding. */
  wEnc: Float32Array<ArrayBuffer>;
  /** [fp], zero padding. */
  bEnc: Float32Array<ArrayBuffer>;
  /** [fp, dOut], zero padding. */
  wDec: Float32Array<ArrayBuffer>;
  /** [dOut] */
  bDec: Float32Array<ArrayBuffer>;
  /** JumpReLU: [fp], zero padding (padded pre-activations are 0 and 0 > 0 is false). */
  threshold?: Float32Array<ArrayBuffer>;
  /** Skip connection: W_skipᵀ [dIn, dOut]. */
  wSkipT?: Float32Array<ArrayBuffer>;
}

function expectLength(name: string, a: ArrayLike<number> | undefined, n: number, why: string) {
  if (a === undefined) throw new Error(`${why} needs ${name} (${n} values)`);
  if (a.length !== n) throw new Error(`${name} has ${a.length} values, ${why} needs ${n}`);
}

/** Throws, with the numbers, what GPU inference cannot run. */
export function checkApplicable(spec: DictionarySpec, params: DictionaryParams): void {
  const { dIn, dSae, dOut } = spec;
  if (dIn % 4 !== 0 || dOut % 4 !== 0) {
    throw new Error(`d_in (${dIn}) and d_out (${dOut}) must be multiples of 4 to splice`);
  }
  const shape = `${dIn} x ${dSae} x ${dOut} dictionary`;
  expectLength("W_enc", params.wEnc, dIn * dSae, `a ${shape}`);
  expectLength("b_enc", params.bEnc, dSae, `a ${shape}`);
  expectLength("W_dec", params.wDec, dSae * dOut, `a ${shape}`);
  expectLength("b_dec", params.bDec, dOut, `a ${shape}`);
  const act = activationOf(spec);
  if (act.kind === "topk" && !(Number.isInteger(act.k) && act.k >= 1 && act.k <= MAX_TOPK)) {
    throw new Error(`TopK k = ${act.k}: the GPU kernels take an integer k in 1..${MAX_TOPK}`);
  }
  if (act.kind === "topk" && act.k > dSae) {
    throw new Error(`TopK k = ${act.k} exceeds d_sae = ${dSae}`);
  }
  if (act.kind === "jumprelu") {
    expectLength("a threshold", params.threshold, dSae, `a JumpReLU ${shape}`);
  }
  if (spec.skip) expectLength("W_skip", params.wSkip, dOut * dIn, `a skip ${shape}`);
}

/**
 * Pads and transposes the weights. An SAE's b_dec input shift is not folded into b_enc: with
 * inputs of large components x @ W_enc and b_dec @ W_enc nearly cancel in f32, so the input
 * is shifted first (dict_apply_prepare_input.wgsl), as SAELens does.
 */
export function applyWeights(spec: DictionarySpec, params: DictionaryParams): ApplyWeights {
  checkApplicable(spec, params);
  const { dIn, dSae, dOut } = spec;
  const fp = Math.ceil(dSae / 4) * 4;
  const wEnc = new Float32Array(dIn * fp);
  for (let r = 0; r < dIn; r++) wEnc.set(params.wEnc.subarray(r * dSae, (r + 1) * dSae), r * fp);
  const bEnc = new Float32Array(fp);
  bEnc.set(params.bEnc);
  const wDec = new Float32Array(fp * dOut);
  wDec.set(params.wDec);
  const weights: ApplyWeights = { fp, wEnc, bEnc, wDec, bDec: Float32Array.from(params.bDec) };
  if (activationOf(spec).kind === "jumprelu") {
    weights.threshold = new Float32Array(fp);
    weights.threshold.set(params.threshold!);
  }
  if (spec.skip) {
    const wSkip = params.wSkip!;
    const t = new Float32Array(dIn * dOut);
    for (let d = 0; d < dOut; d++)
      for (let k = 0; k < dIn; k++) t[k * dOut + d] = wSkip[d * dIn + k]!;
    weights.wSkipT = t;
  }
  return weights;
}
