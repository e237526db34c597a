/**
 * Gradients of architectureForward.ts's loss with respect to every parameter: what autograd
 * gives in SAELens, JumpReLU's straight-through estimators included (architectures.md §2–§5).
 * The AuxK residual y − y^ is a constant, as SAELens detaches it.
 */
import type { ArchForward } from "./architectureForward.ts";
import {
  param,
  rescales,
  shiftsInput,
  zerosLikeParams,
  type ArchitectureSpec,
  type ArchParams,
} from "./architectureSpec.ts";
import { jumpReluThresholdGrad, stepThresholdGrad } from "./jumpRelu.ts";

/**
 * Back through decode(acts) = (acts·(1/n) when rescaling) @ W_dec + b_dec for an upstream
 * gradient gOut [B, dOut]: accumulates into grads.wDec, grads.bDec and gNorm (∂L/∂n), and
 * returns ∂L/∂acts [B, dSae].
 */
function backDecode(
  s: ArchitectureSpec,
  p: ArchParams,
  norms: Float64Array,
  acts: Float64Array,
  gOut: Float64Array,
  rows: number,
  grads: ArchParams,
  gNorm: Float64Array,
): Float64Array {
  const { dSae: F, dOut } = s;
  for (let e = 0; e < gOut.length; e++) grads.bDec[e % dOut] = grads.bDec[e % dOut]! + gOut[e]!;
  const gActs = new Float64Array(rows * F);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < F; j++) {
      const a = acts[b * F + j]!;
      const inv = 1 / norms[j]!;
      const u = rescales(s) ? a * inv : a;
      let gu = 0;
      for (let d = 0; d < dOut; d++) {
        const g = gOut[b * dOut + d]!;
        grads.wDec[j * dOut + d] = grads.wDec[j * dOut + d]! + u * g;
        gu += g * p.wDec[j * dOut + d]!;
      }
      if (rescales(s)) {
        gActs[b * F + j] = gu * inv;
        gNorm[j] = gNorm[j]! - gu * a * inv * inv;
      } else {
        gActs[b * F + j] = gu;
      }
    }
  }
  return gActs;
}

/**
 * JumpReLU (f = π·1[π > θ]) and its sparsity terms: ∂L/∂π into gHidden, ∂L/∂log θ into
 * grads.logThreshold. gActs is ∂(MSE)/∂f; the tanh penalty adds to it before the STE.
 */
function backJumpRelu(
  s: ArchitectureSpec,
  fw: ArchForward,
  gActs: Float64Array,
  deadMask: Uint8Array,
  rows: number,
  grads: ArchParams,
  gHidden: Float64Array,
  gNorm: Float64Array,
): void {
  const F = s.dSae;
  const theta = fw.threshold!;
  const eps = s.jumpreluBandwidth;
  const c = s.l0Coefficient / rows;
  const cPre = s.preActLossCoefficient / rows;
  const gTheta = new Float64Array(F);
  for (let e = 0; e < gActs.length; e++) {
    const j = e % F;
    const pre = fw.hiddenPre[e]!;
    const n = fw.decoderNorms[j]!;
    let g = gActs[e]!;
    if (s.jumpreluSparsityLossMode === "tanh") {
      const scale = s.jumpreluTanhScale;
      const t = Math.tanh(scale * fw.featureActs[e]! * n);
      const dt = c * (1 - t * t) * scale;
      g += dt * n;
      gNorm[j] = gNorm[j]! + dt * fw.featureActs[e]!;
    } else {
      gTheta[j] = gTheta[j]! + stepThresholdGrad(pre, theta[j]!, eps, c);
    }
    if (fw.passes[e]) gHidden[e] = gHidden[e]! + g;
    gTheta[j] = gTheta[j]! + jumpReluThresholdGrad(pre, theta[j]!, eps, g);
    if (deadMask[j] && theta[j]! - pre > 0) {
      gHidden[e] = gHidden[e]! - cPre * n;
      gTheta[j] = gTheta[j]! + cPre * n;
      gNorm[j] = gNorm[j]! + cPre * (theta[j]! - pre);
    }
  }
  grads.logThreshold = gTheta.map((g, j) => theta[j]! * g);
}

/** Gradients of fw.loss (fw from forward() with the same deadMask). x [B, dIn], y [B, dOut]. */
export function gradients(
  s: ArchitectureSpec,
  p: ArchParams,
  fw: ArchForward,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  deadMask: Uint8Array,
): ArchParams {
  const { dIn, dSae: F, dOut } = s;
  const grads = zerosLikeParams(s);
  const norms = fw.decoderNorms;
  const gNorm = new Float64Array(F);
  const gHidden = new Float64Array(rows * F);

  const gOut = Float64Array.from(fw.saeOut, (v, e) => (2 * (v - y[e]!)) / rows);
  const gActs = backDecode(s, p, norms, fw.featureActs, gOut, rows, grads, gNorm);
  for (const level of fw.inner ?? []) {
    // A prefix decode is decode() with the latents past its width at 0: their gradient is 0.
    const gLevel = Float64Array.from(level.recons, (v, e) => (2 * (v - y[e]!)) / rows);
    const acts = fw.featureActs.map((v, e) => (e % F < level.width ? v : 0));
    const gPrefix = backDecode(s, p, norms, acts, gLevel, rows, grads, gNorm);
    for (let e = 0; e < gActs.length; e++) {
      if (e % F < level.width) gActs[e] = gActs[e]! + gPrefix[e]!;
    }
  }
  if (s.skip) {
    const gSkip = param(grads, "wSkip");
    for (let e = 0; e < gOut.length; e++) {
      const b = Math.floor(e / dOut);
      const d = e % dOut;
      for (let k = 0; k < dIn; k++)
        gSkip[d * dIn + k] = gSkip[d * dIn + k]! + gOut[e]! * x[b * dIn + k]!;
    }
  }
  if (s.architecture === "jumprelu") {
    backJumpRelu(s, fw, gActs, deadMask, rows, grads, gHidden, gNorm);
  } else {
    for (let e = 0; e < gActs.length; e++) if (fw.passes[e]) gHidden[e] = gHidden[e]! + gActs[e]!;
  }
  const aux = fw.auxK;
  if (aux !== undefined) {
    const c = (2 * s.auxLossCoefficient * aux.scale) / rows;
    const gRecons = Float64Array.from(aux.recons, (v, e) => c * (v - aux.residual[e]!));
    const gAux = backDecode(s, p, norms, aux.auxActs, gRecons, rows, grads, gNorm);
    for (let e = 0; e < gAux.length; e++) if (aux.selected[e]) gHidden[e] = gHidden[e]! + gAux[e]!;
  }

  const gPreSum = new Float64Array(F);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < F; j++) {
      const gh = gHidden[b * F + j]!;
      if (gh === 0) continue;
      let gPre = gh;
      if (rescales(s)) {
        gPre = gh * norms[j]!;
        gNorm[j] = gNorm[j]! + gh * fw.pre[b * F + j]!;
      }
      gPreSum[j] = gPreSum[j]! + gPre;
      for (let k = 0; k < dIn; k++)
        grads.wEnc[k * F + j] = grads.wEnc[k * F + j]! + fw.xPrime[b * dIn + k]! * gPre;
    }
  }
  grads.bEnc.set(gPreSum);
  if (shiftsInput(s)) {
    for (let k = 0; k < dIn; k++) {
      let t = 0;
      for (let j = 0; j < F; j++) t += p.wEnc[k * F + j]! * gPreSum[j]!;
      grads.bDec[k] = grads.bDec[k]! - t;
    }
  }
  for (let j = 0; j < F; j++) {
    if (gNorm[j] === 0) continue;
    for (let d = 0; d < dOut; d++) {
      grads.wDec[j * dOut + d] =
        grads.wDec[j * dOut + d]! + (gNorm[j]! * p.wDec[j * dOut + d]!) / norms[j]!;
    }
  }
  return grads;
}
