/**
 * Ground-truth metrics of dictionaries trained on a synthetic model, live and at the end: the
 * evaluation stream (evalStreamSeed, never the training batches) through evaluateOnSynthetic,
 * from its first batch each time, so that every point of a live curve is measured on the same
 * samples, and the final metrics are those `npm run synth-eval` measures from the saved folder.
 */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { GpuSyntheticSampler } from "../synthetic/gpuSyntheticSampler.ts";
import type { SyntheticEvalResult } from "../synthetic/metrics.ts";
import { evaluateOnSynthetic, type SyntheticRunResult } from "../synthetic/metricsRun.ts";
import { evalStreamSeed, samplerSource } from "../synthetic/metricsSources.ts";
import type { HeatmapLimits } from "../synthetic/similarity.ts";
import type { SyntheticModel } from "../synthetic/syntheticModel.ts";

/** eval_sae_on_synthetic_data's num_samples default (and synth-eval's). */
export const FINAL_TRUTH_SAMPLES = 100_000;
/**
 * Samples per live evaluation. On small-2k at width 512 (SwiftShader) one costs about the
 * matching (the 512 × 2048 cosines and assignment, ≈ 2 training steps of 1024) plus ≈ 2 steps
 * per 1024 samples: 4096 samples ≈ 10 steps, so a point every 200 steps (the CLI's default,
 * syntheticFlags.ts) adds ≈ 5%.
 */
export const LIVE_TRUTH_SAMPLES = 4096;
const MAX_EVAL_BATCH = 1024;
/** Bytes of one batch's true activations read back at most. */
const MAX_EVAL_BATCH_BYTES = 64 * 2 ** 20;

/** synth-eval's default batch: 1024, less where one batch's activations pass 64 MiB. */
export function truthEvalBatch(numFeatures: number): number {
  return Math.max(
    1,
    Math.min(MAX_EVAL_BATCH, Math.floor(MAX_EVAL_BATCH_BYTES / (numFeatures * 4))),
  );
}

export interface TruthEvalOptions {
  samples: number;
  /** A BatchTopK dictionary as it trains: the int(k·rows) largest latents of each batch. */
  batchTopK?: number;
  heatmap?: HeatmapLimits;
  signal?: AbortSignal;
}

/** A dictionary's ground truth, on the evaluation stream of one synthetic model. */
export class SyntheticGroundTruth {
  private constructor(
    private readonly device: GPUDevice,
    private readonly shaders: ShaderLibrary,
    readonly model: SyntheticModel,
    private readonly sampler: GpuSyntheticSampler,
  ) {}

  static create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    model: SyntheticModel,
    batch = truthEvalBatch(model.numFeatures),
  ): SyntheticGroundTruth {
    const sampler = GpuSyntheticSampler.create(device, shaders, model, {
      batch,
      streamSeed: evalStreamSeed(model.config.seed ?? 0),
    });
    return new SyntheticGroundTruth(device, shaders, model, sampler);
  }

  get batch(): number {
    return this.sampler.batch;
  }

  async evaluate(
    dict: { spec: DictionarySpec; params: DictionaryParams },
    options: TruthEvalOptions,
  ): Promise<SyntheticRunResult> {
    const { model } = this;
    const transcoder = dict.spec.kind === "transcoder";
    const source = samplerSource(this.device, this.sampler, {
      numFeatures: model.numFeatures,
      targetDim: dict.spec.dOut,
      transcoder,
    });
    const truth = { numFeatures: model.numFeatures, input: model.input, output: model.output };
    return evaluateOnSynthetic(this.device, this.shaders, dict, truth, source, {
      samples: options.samples,
      batch: this.sampler.batch,
      ...(options.batchTopK === undefined ? {} : { apply: { batchTopK: options.batchTopK } }),
      ...(options.heatmap ? { heatmap: options.heatmap } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  destroy(): void {
    this.sampler.destroy();
  }
}

/** The live curve's point: the headline metrics, and a transcoder's encoder side. */
export interface LiveTruthPoint {
  step: number;
  mcc: number;
  f1_score: number;
  precision: number;
  recall: number;
  uniqueness: number;
  sae_l0: number;
  explained_variance: number;
  encoder_mcc?: number;
  encoder_f1_score?: number;
}

export function liveTruthPoint(step: number, m: SyntheticEvalResult): LiveTruthPoint {
  const c = m.classification;
  return {
    step,
    mcc: m.mcc,
    f1_score: c.f1_score,
    precision: c.precision,
    recall: c.recall,
    uniqueness: m.uniqueness,
    sae_l0: m.sae_l0,
    explained_variance: m.explained_variance,
    ...(m.encoder
      ? { encoder_mcc: m.encoder.mcc, encoder_f1_score: m.encoder.classification.f1_score }
      : {}),
  };
}
