import { hasAuxK, STANDARD, type ArchitectureOptions } from "./architecture.ts";
import type { BatchSums } from "./gpuDictionary.ts";

/** One logged step, with SAELens's metric names. */
export interface TrainingMetrics {
  step: number;
  mse_loss: number;
  /** The L1 term (standard; 0 for the architectures without one). */
  l1_loss: number;
  /** topk, batchtopk: the AuxK term. */
  auxiliary_reconstruction_loss?: number;
  /** jumprelu: the L0 term (step or tanh). */
  l0_loss?: number;
  /** jumprelu with a pre-activation loss coefficient. */
  pre_act_loss?: number;
  loss: number;
  l0: number;
  explained_variance: number;
  fvu: number;
  dead_features: number;
  grad_norm: number;
  lr: number;
  l1_coefficient: number;
  /** jumprelu */
  l0_coefficient?: number;
  /** batchtopk: the running threshold τ after this step. */
  topk_threshold?: number;
  /** matryoshka_batchtopk: each inner width's prefix reconstruction loss (in `loss`). */
  [inner: `inner_mse_loss_${number}`]: number;
  /** log10 of each latent's firing frequency over the last density window (on density steps). */
  feature_density_log10?: number[];
}

/** `coefficient`: the step's L1 (standard) or L0 (jumprelu) coefficient. */
export function metricsFromSums(
  sums: BatchSums,
  batchSize: number,
  step: number,
  lr: number,
  coefficient: number,
  a: ArchitectureOptions = STANDARD,
): TrainingMetrics {
  const B = batchSize;
  const mse = sums.sumSquaredError / B;
  const explained = 1 - sums.sumSquaredError / sums.targetVariance;
  const m: TrainingMetrics = {
    step,
    mse_loss: mse,
    l1_loss: 0,
    loss: mse,
    l0: sums.sumL0 / B,
    explained_variance: explained,
    fvu: 1 - explained,
    dead_features: sums.deadFeatures,
    grad_norm: sums.gradNorm,
    lr,
    l1_coefficient: 0,
  };
  if (a.architecture === "standard") {
    m.l1_loss = (coefficient * sums.sumL1) / B;
    m.l1_coefficient = coefficient;
    m.loss += m.l1_loss;
  }
  if (hasAuxK(a)) {
    m.auxiliary_reconstruction_loss = (a.auxLossCoefficient * sums.sumExtra) / B;
    m.loss += m.auxiliary_reconstruction_loss;
  }
  if (sums.topkThreshold !== undefined) m.topk_threshold = sums.topkThreshold;
  for (const { width, sum } of sums.innerSquaredErrors ?? []) {
    m[`inner_mse_loss_${width}`] = sum / B;
    m.loss += sum / B;
  }
  if (a.architecture === "jumprelu") {
    const tanh = a.jumpreluSparsityLossMode === "tanh";
    m.l0_loss = (coefficient * (tanh ? sums.sumL1 : sums.sumL0)) / B;
    m.l0_coefficient = coefficient;
    m.loss += m.l0_loss;
    if (a.preActLossCoefficient !== 0) {
      m.pre_act_loss = (a.preActLossCoefficient * sums.sumExtra) / B;
      m.loss += m.pre_act_loss;
    }
  }
  return m;
}

/** log10 firing frequency per latent; latents that never fired get -10 (as SAELens's +1e-10). */
export function featureDensityLog10(fireCounts: Uint32Array, tokens: number): number[] {
  return Array.from(fireCounts, (c) => Math.log10(c / tokens + 1e-10));
}
