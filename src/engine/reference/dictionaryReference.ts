/**
 * Plain float64 reference of training-math.md: forward, loss, every gradient, clipping
 * and Adam. Slow and obvious on purpose; the WGSL kernels are tested against it.
 */
import type { DictionaryKind } from "../dictionary/spec.ts";

export interface RefShape {
  kind: DictionaryKind;
  dIn: number;
  dSae: number;
  dOut: number;
  applyBDecToInput: boolean;
}

export interface RefParams {
  wEnc: Float64Array;
  bEnc: Float64Array;
  wDec: Float64Array;
  bDec: Float64Array;
}

export const PARAM_NAMES = ["wEnc", "bEnc", "wDec", "bDec"] as const;

export interface RefForward {
  xPrime: Float64Array;
  pre: Float64Array;
  f: Float64Array;
  yHat: Float64Array;
  decoderNorms: Float64Array;
  mseLoss: number;
  l1Loss: number;
  loss: number;
  l0: number;
  explainedVariance: number;
}

function shiftsInput(s: RefShape): boolean {
  return s.kind === "sae" && s.applyBDecToInput;
}

export function decoderNorms(s: RefShape, p: RefParams): Float64Array {
  const norms = new Float64Array(s.dSae);
  for (let i = 0; i < s.dSae; i++) {
    let t = 0;
    for (let d = 0; d < s.dOut; d++) t += p.wDec[i * s.dOut + d]! ** 2;
    norms[i] = Math.sqrt(t);
  }
  return norms;
}

/** x [B, dIn], y [B, dOut]; for an SAE pass y = x. */
export function forward(
  s: RefShape,
  p: RefParams,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  l1Coefficient: number,
): RefForward {
  const { dIn, dSae: F, dOut } = s;
  const xPrime = new Float64Array(batch * dIn);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < dIn; k++) {
      xPrime[b * dIn + k] = x[b * dIn + k]! - (shiftsInput(s) ? p.bDec[k]! : 0);
    }
  }
  const pre = new Float64Array(batch * F);
  const f = new Float64Array(batch * F);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < F; i++) {
      let t = p.bEnc[i]!;
      for (let k = 0; k < dIn; k++) t += xPrime[b * dIn + k]! * p.wEnc[k * F + i]!;
      pre[b * F + i] = t;
      f[b * F + i] = Math.max(0, t);
    }
  }
  const norms = decoderNorms(s, p);
  const yHat = new Float64Array(batch * dOut);
  let sse = 0;
  let l1 = 0;
  let l0 = 0;
  for (let b = 0; b < batch; b++) {
    for (let d = 0; d < dOut; d++) {
      let t = p.bDec[d]!;
      for (let i = 0; i < F; i++) t += f[b * F + i]! * p.wDec[i * dOut + d]!;
      yHat[b * dOut + d] = t;
      sse += (t - y[b * dOut + d]!) ** 2;
    }
    for (let i = 0; i < F; i++) {
      l1 += f[b * F + i]! * norms[i]!;
      if (f[b * F + i]! > 0) l0++;
    }
  }
  let variance = 0;
  for (let d = 0; d < dOut; d++) {
    let mean = 0;
    for (let b = 0; b < batch; b++) mean += y[b * dOut + d]!;
    mean /= batch;
    for (let b = 0; b < batch; b++) variance += (y[b * dOut + d]! - mean) ** 2;
  }
  const mseLoss = sse / batch;
  const l1Loss = (l1Coefficient * l1) / batch;
  return {
    xPrime,
    pre,
    f,
    yHat,
    decoderNorms: norms,
    mseLoss,
    l1Loss,
    loss: mseLoss + l1Loss,
    l0: l0 / batch,
    explainedVariance: 1 - sse / variance,
  };
}

/** Gradients of loss with respect to every parameter, as in training-math.md. */
export function gradients(
  s: RefShape,
  p: RefParams,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  l1Coefficient: number,
): RefParams {
  const { dIn, dSae: F, dOut } = s;
  const fw = forward(s, p, x, y, batch, l1Coefficient);
  const c = l1Coefficient / batch;
  const g = new Float64Array(batch * dOut);
  for (let e = 0; e < g.length; e++) g[e] = (2 * (fw.yHat[e]! - y[e]!)) / batch;
  const wDec = new Float64Array(F * dOut);
  const bDec = new Float64Array(dOut);
  for (let i = 0; i < F; i++) {
    let sumF = 0;
    for (let b = 0; b < batch; b++) sumF += fw.f[b * F + i]!;
    for (let d = 0; d < dOut; d++) {
      let t = 0;
      for (let b = 0; b < batch; b++) t += fw.f[b * F + i]! * g[b * dOut + d]!;
      const norm = fw.decoderNorms[i]!;
      wDec[i * dOut + d] =
        t + (sumF > 0 && norm > 0 ? (c * sumF * p.wDec[i * dOut + d]!) / norm : 0);
    }
  }
  for (let d = 0; d < dOut; d++) {
    for (let b = 0; b < batch; b++) bDec[d] = bDec[d]! + g[b * dOut + d]!;
  }
  const dpre = new Float64Array(batch * F);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < F; i++) {
      if (fw.pre[b * F + i]! <= 0) continue;
      let t = c * fw.decoderNorms[i]!;
      for (let d = 0; d < dOut; d++) t += g[b * dOut + d]! * p.wDec[i * dOut + d]!;
      dpre[b * F + i] = t;
    }
  }
  const wEnc = new Float64Array(dIn * F);
  const bEnc = new Float64Array(F);
  for (let i = 0; i < F; i++) {
    for (let b = 0; b < batch; b++) bEnc[i] = bEnc[i]! + dpre[b * F + i]!;
    for (let k = 0; k < dIn; k++) {
      let t = 0;
      for (let b = 0; b < batch; b++) t += fw.xPrime[b * dIn + k]! * dpre[b * F + i]!;
      wEnc[k * F + i] = t;
    }
  }
  if (shiftsInput(s)) {
    for (let k = 0; k < dIn; k++) {
      let t = 0;
      for (let i = 0; i < F; i++) t += p.wEnc[k * F + i]! * bEnc[i]!;
      bDec[k] = bDec[k]! - t;
    }
  }
  return { wEnc, bEnc, wDec, bDec };
}

export function globalNorm(grads: RefParams): number {
  let t = 0;
  for (const name of PARAM_NAMES) for (const v of grads[name]) t += v * v;
  return Math.sqrt(t);
}

/** torch.nn.utils.clip_grad_norm_(params, maxNorm): scales in place, returns the norm before. */
export function clipGradNorm(grads: RefParams, maxNorm = 1): number {
  const norm = globalNorm(grads);
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  for (const name of PARAM_NAMES) {
    const a = grads[name];
    for (let e = 0; e < a.length; e++) a[e] = a[e]! * coef;
  }
  return norm;
}

export interface RefAdamState {
  step: number;
  m: RefParams;
  v: RefParams;
}

export function zerosLike(p: RefParams): RefParams {
  return {
    wEnc: new Float64Array(p.wEnc.length),
    bEnc: new Float64Array(p.bEnc.length),
    wDec: new Float64Array(p.wDec.length),
    bDec: new Float64Array(p.bDec.length),
  };
}

/** torch.optim.Adam (betas 0.9, 0.999; eps 1e-8; no weight decay), in place. */
export function adamUpdate(p: RefParams, grads: RefParams, state: RefAdamState, lr: number): void {
  state.step += 1;
  const bc1 = 1 - 0.9 ** state.step;
  const bc2 = 1 - 0.999 ** state.step;
  for (const name of PARAM_NAMES) {
    const w = p[name];
    const g = grads[name];
    const m = state.m[name];
    const v = state.v[name];
    for (let e = 0; e < w.length; e++) {
      m[e] = 0.9 * m[e]! + 0.1 * g[e]!;
      v[e] = 0.999 * v[e]! + 0.001 * g[e]! * g[e]!;
      w[e] = w[e]! - ((lr / bc1) * m[e]!) / (Math.sqrt(v[e]!) / Math.sqrt(bc2) + 1e-8);
    }
  }
}

/** One full training step: forward metrics, gradients, clipping, Adam. */
export function trainStep(
  s: RefShape,
  p: RefParams,
  state: RefAdamState,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  batch: number,
  l1Coefficient: number,
  lr: number,
): RefForward & { gradNorm: number } {
  const fw = forward(s, p, x, y, batch, l1Coefficient);
  const grads = gradients(s, p, x, y, batch, l1Coefficient);
  const gradNorm = clipGradNorm(grads, 1);
  adamUpdate(p, grads, state, lr);
  return { ...fw, gradNorm };
}
