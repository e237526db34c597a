/**
 * SynthSAEBench's coefficient autotuner (synth-sae-bench-experiments
 * saes/components/coefficient_autotuner.py, used by its Standard L1 and JumpReLU runs to land on
 * a target L0): a rate-damped integral controller on a multiplier of the sparsity coefficient.
 * Each update smooths the batch L0 (EMA), smooths its rate of change, and moves the multiplier
 * by Ki·gain·tanh(|L0 − target| / target · gainScale), up when L0 is above target, down below;
 * gain is convergenceGain while L0 already moves toward the target (no overshoot), else 1.
 */
export interface L0AutotunerConfig {
  targetL0: number;
  /** Updates before this step only track L0. */
  startStep: number;
  smoothing: number;
  rateSmoothing: number;
  integralGain: number;
  gainScale: number;
  convergenceGain: number;
  minMultiplier: number;
  maxMultiplier: number;
}

/** SynthSAEBench's values, for ~195,000 steps (200M samples in batches of 1,024). */
export const SYNTHSAEBENCH_AUTOTUNER: Omit<L0AutotunerConfig, "targetL0" | "startStep"> = {
  smoothing: 0.99,
  rateSmoothing: 0.95,
  integralGain: 3e-4,
  gainScale: 10,
  convergenceGain: 0.01,
  minMultiplier: 0.01,
  maxMultiplier: 100,
};

export class L0Autotuner {
  private smoothed = 0;
  private rate = 0;
  private initialized = false;
  private value = 1;

  constructor(readonly config: L0AutotunerConfig) {
    if (!(config.targetL0 > 0)) {
      throw new Error(`L0 autotuner: the target L0 must be > 0, got ${config.targetL0}`);
    }
  }

  get multiplier(): number {
    return this.value;
  }

  get smoothedL0(): number {
    return this.smoothed;
  }

  /** Takes the L0 measured at `step`; returns the multiplier for the next steps. */
  update(batchL0: number, step: number): number {
    const c = this.config;
    if (!this.initialized) {
      this.smoothed = batchL0;
      this.initialized = true;
    } else {
      const previous = this.smoothed;
      this.smoothed = c.smoothing * this.smoothed + (1 - c.smoothing) * batchL0;
      this.rate = c.rateSmoothing * this.rate + (1 - c.rateSmoothing) * (this.smoothed - previous);
    }
    if (step < c.startStep) return this.value;
    const error = this.smoothed - c.targetL0;
    if (error === 0) return this.value;
    const gain = error * this.rate < 0 ? c.convergenceGain : 1;
    const adjustment =
      c.integralGain * gain * Math.tanh((Math.abs(error) / c.targetL0) * c.gainScale);
    const next = this.value * (error > 0 ? 1 + adjustment : 1 - adjustment);
    this.value = Math.min(c.maxMultiplier, Math.max(c.minMultiplier, next));
    return this.value;
  }
}
