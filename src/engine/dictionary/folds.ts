/**
 * Exact rewrites of published parameterisations into the one Dictionary form. Each leaves
 * every latent and every output unchanged (tested against the float64 reference).
 */
import type { DictionaryParams, DictionarySpec } from "./spec.ts";

type F32 = Float32Array<ArrayBuffer>;

export interface GatedParams {
  wEnc: F32;
  bGate: F32;
  bMag: F32;
  rMag: F32;
  wDec: F32;
  bDec: F32;
}

/**
 * Gated: f = [x'W + b_gate > 0] · ReLU(x'W·e^r_mag + b_mag). With W' = W·diag(e^r_mag),
 * b_enc = b_mag and θ = b_mag − b_gate·e^r_mag, the gate is pre' > θ: a JumpReLU with ReLU.
 */
export function foldGated(g: GatedParams): DictionaryParams {
  const dSae = g.bMag.length;
  const dIn = g.wEnc.length / dSae;
  const gain = g.rMag.map((r) => Math.exp(r));
  const wEnc = new Float32Array(g.wEnc.length);
  for (let k = 0; k < dIn; k++) {
    for (let i = 0; i < dSae; i++) wEnc[k * dSae + i] = g.wEnc[k * dSae + i]! * gain[i]!;
  }
  const threshold = new Float32Array(dSae);
  for (let i = 0; i < dSae; i++) threshold[i] = g.bMag[i]! - g.bGate[i]! * gain[i]!;
  return { wEnc, bEnc: g.bMag.slice(), wDec: g.wDec, bDec: g.bDec, threshold };
}

/**
 * Latents computed on pre·n and decoded as (f/n)·W_dec (SAELens's TopK with
 * rescale_acts_by_decoder_norm, dictionary_learning's gated and JumpReLU features). Folding n
 * into W_enc's columns, b_enc and a JumpReLU threshold, and 1/n into W_dec's rows, gives the
 * same latents and outputs without the rescaling (SAELens's _fold_norm_topk). A zero decoder
 * row makes its latent 0 either way.
 */
export function foldDecoderNorms(spec: DictionarySpec, p: DictionaryParams): DictionaryParams {
  const { dIn, dSae, dOut } = spec;
  const wEnc = p.wEnc.slice();
  const bEnc = p.bEnc.slice();
  const wDec = p.wDec.slice();
  const threshold = p.threshold?.slice();
  for (let i = 0; i < dSae; i++) {
    let ss = 0;
    for (let d = 0; d < dOut; d++) ss += p.wDec[i * dOut + d]! ** 2;
    const n = Math.sqrt(ss);
    for (let k = 0; k < dIn; k++) wEnc[k * dSae + i]! *= n;
    bEnc[i]! *= n;
    if (n > 0) for (let d = 0; d < dOut; d++) wDec[i * dOut + d]! /= n;
    if (threshold) threshold[i]! *= n;
  }
  return { ...p, wEnc, bEnc, wDec, ...(threshold ? { threshold } : {}) };
}

/**
 * expected_average_only_in: activations were multiplied by s before the dictionary saw them.
 * W_enc·s, W_dec/s and b_dec/s take raw activations to raw outputs (SAELens's
 * fold_activation_norm_scaling_factor).
 */
export function foldNormScalingFactor(p: DictionaryParams, s: number): DictionaryParams {
  return {
    ...p,
    wEnc: p.wEnc.map((v) => v * s),
    wDec: p.wDec.map((v) => v / s),
    bDec: p.bDec.map((v) => v / s),
  };
}
