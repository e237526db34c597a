/**
 * Float64 training forward of the modern architectures (architectures.md §2–§5, SAELens
 * v6.18; Matryoshka BatchTopK as synthetic.md §5, SAELens matryoshka_batchtopk_sae.py@424e190):
 * pre-activations, latents, the output with its skip, every loss term as SAELens computes it,
 * and the metrics. Slow and obvious on purpose; the WGSL kernels are tested against it.
 */
import {
  param,
  rescales,
  shiftsInput,
  type ArchitectureSpec,
  type ArchParams,
} from "./architectureSpec.ts";
import { jumpRelu } from "./jumpRelu.ts";
import { auxKMask, auxKSize, batchTopKMask, topKMask } from "./topK.ts";

export interface Encoded {
  /** [B, dIn]: x − b_dec for an SAE that shifts its input, else x. */
  xPrime: Float64Array;
  /** [B, dSae]: x' @ W_enc + b_enc. */
  pre: Float64Array;
  /** [B, dSae]: SAELens's hidden_pre, pre·‖W_dec[j]‖ when rescaling, else pre. */
  hiddenPre: Float64Array;
  /** [dSae]: ‖W_dec[j]‖. */
  decoderNorms: Float64Array;
}

/** The AuxK term of topk and batchtopk (SAELens calculate_topk_aux_loss). */
export interface AuxK {
  numDead: number;
  kAux: number;
  scale: number;
  /** [B, dSae]: 1 at the kAux dead latents chosen in each row. */
  selected: Uint8Array;
  /** [B, dSae]: hidden_pre at the chosen entries (it may be negative), else 0. */
  auxActs: Float64Array;
  /** [B, dOut]: decode(auxActs), b_dec included, no skip. */
  recons: Float64Array;
  /** [B, dOut]: y − y^, a constant to the gradient (SAELens detaches it). */
  residual: Float64Array;
  loss: number;
}

/** The loss terms under SAELens's names (TrainStepOutput.losses). */
export interface ArchLosses {
  mse_loss: number;
  /** topk, batchtopk */
  auxiliary_reconstruction_loss?: number;
  /** jumprelu */
  l0_loss?: number;
  /** jumprelu with a pre-activation loss coefficient */
  pre_act_loss?: number;
  /** matryoshka_batchtopk: ⟨Σ_d (prefix decode − y)²⟩_B for each width but the last. */
  [inner: `inner_mse_loss_${number}`]: number;
}

/** matryoshka_batchtopk: one inner level, the prefix [0, width) of the latents. */
export interface InnerLevel {
  width: number;
  /** [B, dOut]: b_dec + Σ_{j < width} (f_j/‖W_dec[j]‖) W_dec[j], no skip. */
  recons: Float64Array;
}

export interface ArchForward extends Encoded {
  /** [B, dSae]: SAELens's feature_acts, in hidden_pre's space. */
  featureActs: Float64Array;
  /** [B, dSae]: ∂feature_acts/∂hidden_pre, which is 1 or 0. */
  passes: Uint8Array;
  /** jumprelu: θ = exp(log_threshold), [dSae]. */
  threshold?: Float64Array;
  /** [B, dOut]: the reconstruction or prediction, skip included. */
  saeOut: Float64Array;
  auxK?: AuxK;
  /** matryoshka_batchtopk: every width but the last, which is saeOut's. */
  inner?: InnerLevel[];
  losses: ArchLosses;
  loss: number;
  /** Mean over the batch of the number of latents with f ≠ 0. */
  l0: number;
  explainedVariance: number;
}

export interface ForwardOptions {
  /** [dSae]: 1 where the latent is dead, as computed before this step's forward. */
  deadMask: Uint8Array;
  /**
   * batchtopk only: keep hidden_pre > τ instead of the batch top-k, which is how the
   * dictionary SAELens saves (a jumprelu with threshold τ) computes its latents.
   */
  topkThreshold?: number;
}

export function decoderNorms(s: ArchitectureSpec, wDec: Float64Array): Float64Array {
  const norms = new Float64Array(s.dSae);
  for (let j = 0; j < s.dSae; j++) {
    let t = 0;
    for (let d = 0; d < s.dOut; d++) t += wDec[j * s.dOut + d]! ** 2;
    norms[j] = Math.sqrt(t);
  }
  return norms;
}

export function encode(
  s: ArchitectureSpec,
  p: ArchParams,
  x: ArrayLike<number>,
  rows: number,
): Encoded {
  const { dIn, dSae: F } = s;
  const xPrime = new Float64Array(rows * dIn);
  for (let b = 0; b < rows; b++) {
    for (let k = 0; k < dIn; k++) {
      xPrime[b * dIn + k] = x[b * dIn + k]! - (shiftsInput(s) ? p.bDec[k]! : 0);
    }
  }
  const norms = decoderNorms(s, p.wDec);
  const pre = new Float64Array(rows * F);
  const hiddenPre = new Float64Array(rows * F);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < F; j++) {
      let t = p.bEnc[j]!;
      for (let k = 0; k < dIn; k++) t += xPrime[b * dIn + k]! * p.wEnc[k * F + j]!;
      pre[b * F + j] = t;
      hiddenPre[b * F + j] = rescales(s) ? t * norms[j]! : t;
    }
  }
  return { xPrime, pre, hiddenPre, decoderNorms: norms };
}

/**
 * acts [B, dSae] → (acts·(1/‖W_dec[j]‖) when rescaling) @ W_dec + b_dec, [B, dOut]; no skip.
 * With `width`, only the latents j < width decode (a Matryoshka prefix).
 */
export function decode(
  s: ArchitectureSpec,
  p: ArchParams,
  norms: Float64Array,
  acts: Float64Array,
  rows: number,
  width: number = s.dSae,
): Float64Array {
  const { dSae: F, dOut } = s;
  const out = new Float64Array(rows * dOut);
  for (let b = 0; b < rows; b++) {
    for (let d = 0; d < dOut; d++) {
      let t = p.bDec[d]!;
      for (let j = 0; j < width; j++) {
        const a = acts[b * F + j]!;
        if (a !== 0) t += (rescales(s) ? a * (1 / norms[j]!) : a) * p.wDec[j * dOut + d]!;
      }
      out[b * dOut + d] = t;
    }
  }
  return out;
}

/** feature_acts from hidden_pre: TopK, BatchTopK (or its threshold at inference), JumpReLU. */
function activate(
  s: ArchitectureSpec,
  p: ArchParams,
  hiddenPre: Float64Array,
  rows: number,
  topkThreshold: number | undefined,
): Pick<ArchForward, "featureActs" | "passes" | "threshold"> {
  const F = s.dSae;
  const featureActs = new Float64Array(hiddenPre.length);
  const passes = new Uint8Array(hiddenPre.length);
  if (s.architecture === "jumprelu") {
    const threshold = param(p, "logThreshold").map(Math.exp);
    for (let e = 0; e < hiddenPre.length; e++) {
      featureActs[e] = jumpRelu(hiddenPre[e]!, threshold[e % F]!);
      passes[e] = hiddenPre[e]! > threshold[e % F]! ? 1 : 0;
    }
    return { featureActs, passes, threshold };
  }
  let kept: Uint8Array;
  if (s.architecture === "topk") kept = topKMask(hiddenPre, rows, F, s.k);
  else if (topkThreshold === undefined) kept = batchTopKMask(hiddenPre, rows, s.k);
  else kept = Uint8Array.from(hiddenPre, (v) => (v > topkThreshold ? 1 : 0));
  for (let e = 0; e < hiddenPre.length; e++) {
    passes[e] = kept[e] && hiddenPre[e]! > 0 ? 1 : 0;
    featureActs[e] = passes[e] ? hiddenPre[e]! : 0;
  }
  return { featureActs, passes };
}

/** The AuxK term for a residual y − y^, or undefined when no latent is dead (its loss is 0). */
export function auxK(
  s: ArchitectureSpec,
  p: ArchParams,
  enc: Encoded,
  residual: Float64Array,
  deadMask: Uint8Array,
  rows: number,
): AuxK | undefined {
  const numDead = deadMask.reduce((a, v) => a + v, 0);
  if (numDead === 0) return undefined;
  const { kAux, scale } = auxKSize(numDead, s.dOut);
  const selected = auxKMask(enc.hiddenPre, rows, s.dSae, deadMask, kAux);
  const auxActs = enc.hiddenPre.map((v, e) => (selected[e] ? v : 0));
  const recons = decode(s, p, enc.decoderNorms, auxActs, rows);
  const loss = (s.auxLossCoefficient * scale * squaredError(recons, residual)) / rows;
  return { numDead, kAux, scale, selected, auxActs, recons, residual, loss };
}

function squaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let t = 0;
  for (let e = 0; e < a.length; e++) t += (a[e]! - b[e]!) ** 2;
  return t;
}

function addSkip(
  s: ArchitectureSpec,
  wSkip: Float64Array,
  x: ArrayLike<number>,
  out: Float64Array,
): void {
  const { dIn, dOut } = s;
  for (let e = 0; e < out.length; e++) {
    const b = Math.floor(e / dOut);
    const d = e % dOut;
    let t = 0;
    for (let k = 0; k < dIn; k++) t += x[b * dIn + k]! * wSkip[d * dIn + k]!;
    out[e] = out[e]! + t;
  }
}

/** SAELens's l0_loss: ⟨c·Σ_j H(π − θ)⟩_B (step) or ⟨c·Σ_j tanh(scale·f_j·‖W_dec[j]‖)⟩_B. */
function l0Loss(s: ArchitectureSpec, fw: ArchForward, theta: Float64Array, rows: number): number {
  const F = s.dSae;
  let t = 0;
  for (let e = 0; e < fw.hiddenPre.length; e++) {
    const j = e % F;
    t +=
      s.jumpreluSparsityLossMode === "step"
        ? fw.hiddenPre[e]! > theta[j]!
          ? 1
          : 0
        : Math.tanh(s.jumpreluTanhScale * fw.featureActs[e]! * fw.decoderNorms[j]!);
  }
  return (s.l0Coefficient * t) / rows;
}

/** SAELens's pre_act_loss: c·⟨Σ_j relu(θ_j − π_j)·dead_j·‖W_dec[j]‖⟩_B, 0 with no dead latent. */
function preActLoss(
  s: ArchitectureSpec,
  fw: ArchForward,
  theta: Float64Array,
  deadMask: Uint8Array,
  rows: number,
): number {
  const F = s.dSae;
  let t = 0;
  for (let e = 0; e < fw.hiddenPre.length; e++) {
    const j = e % F;
    if (deadMask[j]) t += Math.max(0, theta[j]! - fw.hiddenPre[e]!) * fw.decoderNorms[j]!;
  }
  return (s.preActLossCoefficient * t) / rows;
}

/** x [B, dIn], y [B, dOut] (for an SAE pass y = x). */
export function forward(
  s: ArchitectureSpec,
  p: ArchParams,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  options: ForwardOptions,
): ArchForward {
  const enc = encode(s, p, x, rows);
  const act = activate(s, p, enc.hiddenPre, rows, options.topkThreshold);
  const saeOut = decode(s, p, enc.decoderNorms, act.featureActs, rows);
  if (s.skip) addSkip(s, param(p, "wSkip"), x, saeOut);
  const fw: ArchForward = {
    ...enc,
    ...act,
    saeOut,
    losses: { mse_loss: squaredError(saeOut, y) / rows },
    loss: 0,
    l0: 0,
    explainedVariance: 0,
  };
  if (act.threshold !== undefined) {
    fw.losses.l0_loss = l0Loss(s, fw, act.threshold, rows);
    if (s.preActLossCoefficient !== 0) {
      fw.losses.pre_act_loss = preActLoss(s, fw, act.threshold, options.deadMask, rows);
    }
  } else {
    const residual = Float64Array.from(saeOut, (v, e) => y[e]! - v);
    fw.auxK = auxK(s, p, enc, residual, options.deadMask, rows);
    fw.losses.auxiliary_reconstruction_loss = fw.auxK?.loss ?? 0;
  }
  if (s.architecture === "matryoshka_batchtopk") {
    // SAELens's _iterable_decode(include_outer_loss=False): the outer level is saeOut's mse_loss.
    fw.inner = s.matryoshkaWidths.slice(0, -1).map((width) => ({
      width,
      recons: decode(s, p, enc.decoderNorms, act.featureActs, rows, width),
    }));
    for (const level of fw.inner) {
      fw.losses[`inner_mse_loss_${level.width}`] = squaredError(level.recons, y) / rows;
    }
  }
  fw.loss = Object.values(fw.losses).reduce((a: number, v: number) => a + v, 0);
  fw.l0 = act.featureActs.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0) / rows;
  fw.explainedVariance = 1 - fw.losses.mse_loss / meanTotalVariance(y, rows, s.dOut);
  return fw;
}

/** ⟨Σ_d (y − ⟨y⟩_B)²⟩_B. */
function meanTotalVariance(y: ArrayLike<number>, rows: number, dOut: number): number {
  let t = 0;
  for (let d = 0; d < dOut; d++) {
    let mean = 0;
    for (let b = 0; b < rows; b++) mean += y[b * dOut + d]!;
    mean /= rows;
    for (let b = 0; b < rows; b++) t += (y[b * dOut + d]! - mean) ** 2;
  }
  return t / rows;
}
