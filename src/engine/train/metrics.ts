import type { BatchSums } from "./gpuDictionary.ts";

/** One logged step, with SAELens's metric names. */
export interface TrainingMetrics {
  step: number;
  mse_loss: number;
  l1_loss: number;
  loss: number;
  l0: number;
  explained_variance: number;
  fvu: number;
  dead_features: number;
  grad_norm: number;
  lr: number;
  l1_coefficient: number;
  /** log10 of each latent's firing frequency over the last density window (on density steps). */
  feature_density_log10?: number[];
}

export function metricsFromSums(
  sums: BatchSums,
  batchSize: number,
  step: number,
  lr: number,
  l1Coefficient: number,
): TrainingMetrics {
  const mse = sums.sumSquaredError / batchSize;
  const l1 = (l1Coefficient * sums.sumL1) / batchSize;
  const explained = 1 - sums.sumSquaredError / sums.targetVariance;
  return {
    step,
    mse_loss: mse,
    l1_loss: l1,
    loss: mse + l1,
    l0: sums.sumL0 / batchSize,
    explained_variance: explained,
    fvu: 1 - explained,
    dead_features: sums.deadFeatures,
    grad_norm: sums.gradNorm,
    lr,
    l1_coefficient: l1Coefficient,
  };
}

/** log10 firing frequency per latent; latents that never fired get -10 (as SAELens's +1e-10). */
export function featureDensityLog10(fireCounts: Uint32Array, tokens: number): number[] {
  return Array.from(fireCounts, (c) => Math.log10(c / tokens + 1e-10));
}
