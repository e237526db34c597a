/**
 * Learning-rate and L1 schedules, as SAELens 6 runs them with its default `constant` lr
 * scheduler (sae_lens/training/optim.py: get_lr_scheduler, CoefficientScheduler).
 */

export interface Schedule {
  totalSteps: number;
  lr: number;
  /** Linear warm-up of the learning rate from lr / lrWarmUpSteps to lr (0 = none). */
  lrWarmUpSteps: number;
  /**
   * Linear decay to 0 over the last lrDecaySteps (0 = none). Under the constant scheduler
   * SAELens replaces lr_end by lr, so the decay always runs from lr to 0.
   */
  lrDecaySteps: number;
  l1Coefficient: number;
  /** Linear warm-up of the L1 coefficient from 0 (0 = none). */
  l1WarmUpSteps: number;
}

/**
 * Learning rate for the 0-based step index: torch's SequentialLR of LinearLR(1/W -> 1 over
 * W - 1 steps), a constant, and LinearLR(1 -> 0 over D steps) starting at step T - D.
 */
export function learningRateAt(s: Schedule, step: number): number {
  const decayStart = s.totalSteps - s.lrDecaySteps;
  if (s.lrDecaySteps > 0 && step >= decayStart) {
    return s.lr * (1 - Math.min(1, (step - decayStart) / s.lrDecaySteps));
  }
  if (s.lrWarmUpSteps > 0 && step < s.lrWarmUpSteps) {
    const start = 1 / s.lrWarmUpSteps;
    const span = Math.max(1, s.lrWarmUpSteps - 1);
    return s.lr * (start + ((1 - start) * step) / span);
  }
  return s.lr;
}

/**
 * L1 coefficient for the 0-based step index: l1 * min(1, step / W). SAELens's
 * CoefficientScheduler starts at 0 and is stepped after each training step, so step k trains
 * with the value set after k scheduler steps.
 */
export function l1CoefficientAt(s: Schedule, step: number): number {
  if (s.l1WarmUpSteps <= 0) return s.l1Coefficient;
  return s.l1Coefficient * Math.min(1, step / s.l1WarmUpSteps);
}
