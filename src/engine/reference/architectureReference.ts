/**
 * One SAELens training step of the modern architectures in float64 (architectures.md §0;
 * sae_lens/training/sae_trainer.py _train_step): the dead mask from the counters, the forward,
 * BatchTopK's running threshold, the counters, the gradients, clip_grad_norm_(1.0) and Adam,
 * in torch's order of operations, so that float64 runs agree with PyTorch's to ~1e-15.
 */
import { initDictionary } from "../dictionary/init.ts";
import { gradients } from "./architectureBackward.ts";
import { forward, type ArchForward } from "./architectureForward.ts";
import {
  param,
  paramNames,
  selectsOverBatch,
  zerosLikeParams,
  type ArchitectureSpec,
  type ArchParams,
} from "./architectureSpec.ts";

export interface ArchTrainerState {
  /** Adam steps taken. */
  step: number;
  m: ArchParams;
  v: ArchParams;
  /** SAELens's n_forward_passes_since_fired, [dSae]. */
  nForwardPassesSinceFired: Float64Array;
  /** batchtopk: SAELens's topk_threshold τ, in hidden_pre's space; starts at 0. */
  topkThreshold: number;
}

export interface ArchStepResult extends ArchForward {
  /** Dead latents in the mask this step's loss used. */
  deadFeatures: number;
  /** Global L2 norm of the gradients before clipping. */
  gradNorm: number;
}

/**
 * SAELens's initialisation, seeded: init.ts's W_dec (Kaiming-uniform rows at norm 0.1), W_enc
 * (W_decᵀ, or drawn alike for a transcoder with dIn ≠ dOut), zero biases; log_threshold =
 * log(jumprelu_init_threshold); W_skip = 0.
 */
export function initArchitecture(s: ArchitectureSpec, seed: number): ArchParams {
  const d = initDictionary(s, seed);
  const p: ArchParams = {
    wEnc: Float64Array.from(d.wEnc),
    bEnc: Float64Array.from(d.bEnc),
    wDec: Float64Array.from(d.wDec),
    bDec: Float64Array.from(d.bDec),
  };
  if (s.architecture === "jumprelu") {
    p.logThreshold = new Float64Array(s.dSae).fill(Math.log(s.jumpreluInitThreshold));
  }
  if (s.skip) p.wSkip = new Float64Array(s.dOut * s.dIn);
  return p;
}

export function initTrainerState(s: ArchitectureSpec): ArchTrainerState {
  return {
    step: 0,
    m: zerosLikeParams(s),
    v: zerosLikeParams(s),
    nForwardPassesSinceFired: new Float64Array(s.dSae),
    topkThreshold: 0,
  };
}

/** SAELens's dead_neurons: more than dead_feature_window steps since the latent fired. */
export function deadMask(s: ArchitectureSpec, state: ArchTrainerState): Uint8Array {
  return Uint8Array.from(state.nForwardPassesSinceFired, (n) => (n > s.deadFeatureWindow ? 1 : 0));
}

/** Counters after a forward: +1 everywhere, 0 where any row has f ≠ 0 ("fired"). */
export function updateFiredCounters(
  s: ArchitectureSpec,
  state: ArchTrainerState,
  featureActs: Float64Array,
): void {
  const counters = state.nForwardPassesSinceFired;
  for (let j = 0; j < s.dSae; j++) counters[j] = counters[j]! + 1;
  for (let e = 0; e < featureActs.length; e++) {
    if (featureActs[e] !== 0) counters[e % s.dSae] = 0;
  }
}

/** BatchTopK's τ ← (1 − lr)·τ + lr·min(f > 0), only when some f > 0. */
export function updateTopkThreshold(
  s: ArchitectureSpec,
  state: ArchTrainerState,
  featureActs: Float64Array,
): void {
  let min = Infinity;
  for (const v of featureActs) if (v > 0 && v < min) min = v;
  if (min === Infinity) return;
  const lr = s.topkThresholdLr;
  state.topkThreshold = (1 - lr) * state.topkThreshold + lr * min;
}

function l2(a: ArrayLike<number>): number {
  let t = 0;
  for (let e = 0; e < a.length; e++) t += a[e]! * a[e]!;
  return Math.sqrt(t);
}

/** torch.nn.utils.clip_grad_norm_(params, maxNorm) over all tensors; returns the norm before. */
export function clipGradNorm(s: ArchitectureSpec, grads: ArchParams, maxNorm = 1): number {
  const norms = paramNames(s).map((name) => l2(param(grads, name)));
  const total = l2(norms);
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  for (const name of paramNames(s)) {
    const g = param(grads, name);
    for (let e = 0; e < g.length; e++) g[e] = g[e]! * coef;
  }
  return total;
}

/** torch 1.13 Adam (betas 0.9/0.999, eps 1e-8, no weight decay), its operations in its order. */
export function adamUpdate(
  s: ArchitectureSpec,
  p: ArchParams,
  grads: ArchParams,
  state: ArchTrainerState,
  lr: number,
): void {
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  state.step += 1;
  const stepSize = lr / (1 - beta1 ** state.step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** state.step);
  for (const name of paramNames(s)) {
    const w = param(p, name);
    const g = param(grads, name);
    const m = param(state.m, name);
    const v = param(state.v, name);
    for (let e = 0; e < w.length; e++) {
      m[e] = m[e]! * beta1 + g[e]! * (1 - beta1);
      v[e] = v[e]! * beta2 + (1 - beta2) * g[e]! * g[e]!;
      w[e] = w[e]! + -stepSize * (m[e]! / (Math.sqrt(v[e]!) / bc2Sqrt + eps));
    }
  }
}

/** One training step on a batch (x [B, dIn], y [B, dOut]); updates p and state in place. */
export function trainStep(
  s: ArchitectureSpec,
  p: ArchParams,
  state: ArchTrainerState,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  lr: number,
): ArchStepResult {
  const dead = deadMask(s, state);
  const fw = forward(s, p, x, y, rows, { deadMask: dead });
  if (selectsOverBatch(s)) updateTopkThreshold(s, state, fw.featureActs);
  updateFiredCounters(s, state, fw.featureActs);
  const grads = gradients(s, p, fw, x, y, rows, dead);
  const gradNorm = clipGradNorm(s, grads, 1);
  adamUpdate(s, p, grads, state, lr);
  return { ...fw, deadFeatures: dead.reduce((a, v) => a + v, 0), gradNorm };
}
