import type { DictionaryParams } from "../dictionary/spec.ts";
import type { GpuDictionary, StepPath } from "./gpuDictionary.ts";
import { featureDensityLog10, metricsFromSums, type TrainingMetrics } from "./metrics.ts";
import { l1CoefficientAt, learningRateAt, type Schedule } from "./schedule.ts";
import { exportTrained } from "./trainedExport.ts";

export interface TrainerOptions {
  /** Replaced, not mutated, when the learning rate or L1 coefficient changes. */
  schedule: Schedule;
  /** Read metrics back every N steps (and on the last step). */
  logEvery: number;
  /** SAELens dead_feature_window: a latent is dead after this many steps without firing. */
  deadFeatureWindow: number;
  /** Steps per feature-density window (SAELens feature_sampling_window); 0 = never. */
  densityWindow: number;
  /** Activation scales (1 unless normalize_activations is expected_average_only_in). */
  sIn: number;
  sOut: number;
  /**
   * Use the dense decoder-side kernels while the last measured L0 is above this fraction of
   * d_sae (and before any L0 is known), the sparse ones below it. See DENSE_ABOVE_L0_FRACTION.
   */
  denseAboveL0Fraction?: number;
}

/**
 * Where the dense and sparse paths cost the same, as a fraction of d_sae active per row;
 * measured with `npm run bench` (crossover: equal cost at 0.23) on SwiftShader at B=1024, d=128,
 * d_sae=1024.
 */
export const DENSE_ABOVE_L0_FRACTION = 0.2;

/** The host side of a trainer's state, for checkpoints (the GPU side is DictionaryState). */
export interface TrainerState {
  stepIndex: number;
  stepsSinceDensity: number;
  lastL0?: number;
  schedule: Schedule;
  /** JumpReLU: the L0 coefficient, when changed during the run (absent in older checkpoints). */
  l0Coefficient?: number;
}

/** Submitted steps allowed ahead of the GPU before the host waits (bounds queued uploads). */
const MAX_STEPS_IN_FLIGHT = 4;

/**
 * Drives a GpuDictionary through a schedule: one command buffer per step, read-back only on
 * logging steps. Batches come from the caller (a file, or the model's activation stream).
 */
export class DictionaryTrainer {
  private stepIndex = 0;
  private inFlight = 0;
  private stepsSinceDensity = 0;
  private lastL0: number | undefined;
  /** JumpReLU's L0 coefficient: a plain per-step scalar, so it can change mid-run like L1. */
  private l0Coefficient: number;

  constructor(
    readonly gpu: GpuDictionary,
    readonly options: TrainerOptions,
  ) {
    this.l0Coefficient = gpu.architecture.l0Coefficient;
  }

  get stepsDone(): number {
    return this.stepIndex;
  }

  get state(): TrainerState {
    return {
      stepIndex: this.stepIndex,
      stepsSinceDensity: this.stepsSinceDensity,
      lastL0: this.lastL0,
      schedule: { ...this.options.schedule },
      l0Coefficient: this.l0Coefficient,
    };
  }

  /** Continues from a checkpoint's host state (with its schedule, which may have changed). */
  restore(state: TrainerState): void {
    this.stepIndex = state.stepIndex;
    this.stepsSinceDensity = state.stepsSinceDensity;
    this.lastL0 = state.lastL0;
    this.options.schedule = { ...state.schedule };
    if (state.l0Coefficient !== undefined) this.l0Coefficient = state.l0Coefficient;
  }

  /**
   * Changes the learning rate, L1 or (JumpReLU) L0 coefficient from the next step on (e.g.
   * while paused).
   */
  setHyperparameters(change: {
    lr?: number;
    l1Coefficient?: number;
    l0Coefficient?: number;
  }): void {
    const { l0Coefficient, ...schedule } = change;
    this.options.schedule = { ...this.options.schedule, ...schedule };
    if (l0Coefficient !== undefined) this.l0Coefficient = l0Coefficient;
  }

  /** JumpReLU's L0 coefficient for the next step. */
  get currentL0Coefficient(): number {
    return this.l0Coefficient;
  }

  /** The sparsity coefficient of the 0-based step: the schedule's L1, or JumpReLU's L0. */
  private coefficientAt(index: number): number {
    const a = this.gpu.architecture;
    if (a.architecture === "jumprelu") return this.l0Coefficient;
    return a.architecture === "standard" ? l1CoefficientAt(this.options.schedule, index) : 0;
  }

  /** The kernels the next step will use, chosen from the last L0 read back. */
  get nextPath(): StepPath {
    const fraction = this.options.denseAboveL0Fraction ?? DENSE_ABOVE_L0_FRACTION;
    if (this.lastL0 === undefined) return "dense";
    return this.lastL0 > fraction * this.gpu.spec.dSae ? "dense" : "sparse";
  }

  get finished(): boolean {
    return this.stepIndex >= this.options.schedule.totalSteps;
  }

  /** Trains on one batch from the host; returns metrics on logging steps. */
  async step(
    x: Float32Array<ArrayBuffer>,
    y?: Float32Array<ArrayBuffer>,
  ): Promise<TrainingMetrics | undefined> {
    this.gpu.uploadBatch(x, y);
    return this.stepOnDeviceBatch();
  }

  /**
   * Trains on the batch already written to the dictionary's batch buffers (gpu.batchInput,
   * gpu.batchTarget) by work submitted before this call, e.g. an activation store's copy.
   */
  async stepOnDeviceBatch(): Promise<TrainingMetrics | undefined> {
    const { schedule, logEvery, densityWindow } = this.options;
    const index = this.stepIndex;
    const stepNumber = index + 1;
    const lr = learningRateAt(schedule, index);
    const coefficient = this.coefficientAt(index);
    // SAELens logs and resets the density window at the start of the step, before counting
    // it, so the window read here covers the steps before this one, and the density saved at
    // the end always covers at least the last step.
    const density = densityWindow > 0 && stepNumber % densityWindow === 0;
    const densityLog10 = density ? await this.readFeatureDensity() : undefined;
    const log = stepNumber % logEvery === 0 || stepNumber === schedule.totalSteps || density;
    this.gpu.step(
      {
        l1Coefficient: coefficient,
        lr,
        adamStep: stepNumber,
        sIn: this.options.sIn,
        sOut: this.options.sOut,
        deadFeatureWindow: this.options.deadFeatureWindow,
      },
      log,
      this.nextPath,
    );
    this.stepIndex++;
    this.inFlight++;
    this.stepsSinceDensity++;
    if (!log) {
      if (this.inFlight >= MAX_STEPS_IN_FLIGHT) {
        await this.gpu.idle();
        this.inFlight = 0;
      }
      return undefined;
    }
    this.inFlight = 0;
    const sums = await this.gpu.readBatchSums();
    const metrics = metricsFromSums(
      sums,
      this.gpu.batchSize,
      stepNumber,
      lr,
      coefficient,
      this.gpu.architecture,
    );
    this.lastL0 = metrics.l0;
    if (densityLog10) metrics.feature_density_log10 = densityLog10;
    return metrics;
  }

  /**
   * log10 firing frequency per latent over the steps since the window last started (SAELens's
   * act_freq_scores / n_frac_active_samples); starts a new window.
   */
  async readFeatureDensity(): Promise<number[]> {
    const tokens = Math.max(1, this.stepsSinceDensity) * this.gpu.batchSize;
    this.stepsSinceDensity = 0;
    return featureDensityLog10(await this.gpu.readFireCounts(), tokens);
  }

  /**
   * The weights as saved, acting on raw activations (normalization folded in; for the TopK
   * family the decoder norms too): the dictionary gpu.spec describes.
   */
  async exportParams(): Promise<DictionaryParams> {
    const { spec, architecture } = this.gpu;
    const p = await this.gpu.readParams();
    return exportTrained(spec, architecture, p, this.options.sIn, this.options.sOut);
  }
}
