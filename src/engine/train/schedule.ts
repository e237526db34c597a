/** Learning-rate and L1 schedules (SAELens semantics; constant with no warm-up by default). */

export interface Schedule {
  totalSteps: number;
  lr: number;
  /** Linear warm-up of the learning rate from lr / lrWarmUpSteps to lr (0 = none). */
  lrWarmUpSteps: number;
  /** Linear decay to lrEnd over the last lrDecaySteps (0 = none). */
  lrDecaySteps: number;
  lrEnd: number;
  l1Coefficient: number;
  /** Linear warm-up of the L1 coefficient from 0 (0 = none). */
  l1WarmUpSteps: number;
}

/** Learning rate for the 0-based step index. */
export function learningRateAt(s: Schedule, step: number): number {
  let lr = s.lr;
  if (s.lrWarmUpSteps > 0 && step < s.lrWarmUpSteps) {
    // torch LinearLR(start_factor = 1 / warm-up, total_iters = warm-up - 1)
    const start = 1 / s.lrWarmUpSteps;
    const span = Math.max(1, s.lrWarmUpSteps - 1);
    lr = s.lr * (start + ((1 - start) * step) / span);
  }
  const decayStart = s.totalSteps - s.lrDecaySteps;
  if (s.lrDecaySteps > 0 && step >= decayStart) {
    const t = Math.min(1, (step - decayStart) / s.lrDecaySteps);
    lr = lr + (s.lrEnd - lr) * t;
  }
  return lr;
}

/** L1 coefficient for the 0-based step index: l1 * min(1, (step + 1) / warm-up), as SAELens. */
export function l1CoefficientAt(s: Schedule, step: number): number {
  if (s.l1WarmUpSteps <= 0) return s.l1Coefficient;
  return s.l1Coefficient * Math.min(1, (step + 1) / s.l1WarmUpSteps);
}
