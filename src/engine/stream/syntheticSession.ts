/**
 * Trains several dictionaries at once on a synthetic model's stream (SAELens's SynthSAEBench
 * runner): the GPU sampler draws each batch straight into GPU buffers, and one copy per
 * dictionary puts x (and a transcoder's y) where its trainer reads its batch. Nothing goes
 * through the host per step. An SAE reconstructs x; a transcoder maps x to y.
 *
 * The stream is counter-based (batch `step` is keyed by the step alone), so a checkpoint
 * resumes without replaying, and evaluation samples come from a stream of their own
 * (evalStreamSeed), as `npm run synth-eval` draws them.
 */
import type { DictionarySpec } from "../dictionary/spec.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { GpuSyntheticSampler } from "../synthetic/gpuSyntheticSampler.ts";
import type { SyntheticRunResult } from "../synthetic/metricsRun.ts";
import type { SyntheticModel } from "../synthetic/syntheticModel.ts";
import { NormScaleEstimator } from "../train/normalization.ts";
import {
  createTrainedDictionary,
  planSpec,
  type DictionaryTrainingPlan,
} from "./dictionaryPlan.ts";
import {
  DictionarySession,
  type BatchSource,
  type TrainedDictionary,
} from "./dictionarySession.ts";
import type { SyntheticGroundTruth } from "./syntheticGroundTruth.ts";

/** One dictionary of a synthetic run: a stream plan without its layer or hook. */
export type SyntheticDictionaryPlan = DictionaryTrainingPlan;

export interface SyntheticStreamOptions {
  batchSize: number;
  logEvery: number;
  /** Recorded as the dictionaries' model_name and dataset_path, e.g. "synthetic:small-2k". */
  sourceName: string;
  /** Keys the training stream (default: the model's seed, as the sampler's default). */
  streamSeed?: number;
}

/** The sites a dictionary of a synthetic run reads and writes (cfg.json's hook names). */
export const SYNTHETIC_INPUT_HOOK = "hidden_activations";
export const SYNTHETIC_OUTPUT_HOOK = "output_activations";

/** Rows of the training stream the expected_average_only_in scale is estimated from. */
const NORM_ESTIMATE_ROWS = 16_384;
const NORM_ESTIMATE_MAX_BATCHES = 100;

/**
 * The sampler as a session's batch source: batch `step` drawn on the GPU, x (and y) copied to
 * where each dictionary's trainer reads its batch. Keyed by the step alone, it resumes anywhere
 * without replaying.
 */
class SampledBatches implements BatchSource {
  constructor(
    private readonly device: GPUDevice,
    private readonly sampler: GpuSyntheticSampler,
  ) {}

  serve(step: number, dictionaries: readonly TrainedDictionary[]): void {
    const encoder = this.device.createCommandEncoder({ label: "synthetic batch" });
    const batch = this.sampler.encode(encoder, step);
    for (const d of dictionaries) {
      const gpu = d.trainer.gpu;
      encoder.copyBufferToBuffer(batch.x, 0, gpu.batchInput, 0, this.rowBytes(d.spec.dIn));
      if (d.spec.kind === "transcoder") {
        encoder.copyBufferToBuffer(batch.y!, 0, gpu.batchTarget, 0, this.rowBytes(d.spec.dOut));
      }
    }
    this.device.queue.submit([encoder.finish()]);
  }

  private rowBytes(width: number): number {
    return this.sampler.batch * width * 4;
  }

  async resumeAt(): Promise<void> {}

  destroy(): void {
    this.sampler.destroy();
  }
}

export class SyntheticStreamSession extends DictionarySession {
  private constructor(
    device: GPUDevice,
    readonly model: SyntheticModel,
    readonly sampler: GpuSyntheticSampler,
    dictionaries: TrainedDictionary[],
    readonly options: SyntheticStreamOptions,
  ) {
    super(device, new SampledBatches(device, sampler), dictionaries);
  }

  static async create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    model: SyntheticModel,
    plans: readonly SyntheticDictionaryPlan[],
    options: SyntheticStreamOptions,
  ): Promise<SyntheticStreamSession> {
    if (plans.length === 0) throw new Error("synthetic run: no dictionary to train");
    for (const p of plans) {
      if (p.kind === "transcoder" && !model.output) {
        throw new Error(
          `${p.id}: a transcoder needs the synthetic model's transcoder variant (output vectors v)`,
        );
      }
    }
    const sampler = GpuSyntheticSampler.create(device, shaders, model, {
      batch: options.batchSize,
      ...(options.streamSeed === undefined ? {} : { streamSeed: options.streamSeed }),
    });
    try {
      const scales = plans.some((p) => p.normalize === "expected_average_only_in")
        ? await estimateScales(device, sampler, model)
        : new Map<string, number>();
      const dictionaries = plans.map((plan) =>
        createTrainedDictionary(
          device,
          shaders,
          plan,
          syntheticSpec(model, plan, options.sourceName),
          options,
          scales,
        ),
      );
      return new SyntheticStreamSession(device, model, sampler, dictionaries, options);
    } catch (err) {
      sampler.destroy();
      throw err;
    }
  }

  /**
   * Every dictionary's ground-truth metrics on `truth`'s evaluation stream: as saved, or with
   * `training` as it trains (a BatchTopK dictionary selecting over the batch, as SAELens's
   * runner evaluates the training SAE), the live curves' form.
   */
  async evaluateTruth(
    truth: SyntheticGroundTruth,
    options: { samples: number; training: boolean; signal?: AbortSignal },
  ): Promise<{ id: string; result: SyntheticRunResult }[]> {
    const out = [];
    for (const d of await this.exportForEvaluation(options.training)) {
      const result = await truth.evaluate(d, {
        samples: options.samples,
        ...(d.batchTopK === undefined ? {} : { batchTopK: d.batchTopK }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      out.push({ id: d.id, result });
    }
    return out;
  }
}

/** The spec of a dictionary trained on the synthetic model's x (and y). */
export function syntheticSpec(
  model: SyntheticModel,
  plan: SyntheticDictionaryPlan,
  sourceName: string,
): DictionarySpec {
  const transcoder = plan.kind === "transcoder";
  const sites = {
    dIn: model.hiddenDim,
    dOut: transcoder ? model.output!.dim : model.hiddenDim,
    hookName: SYNTHETIC_INPUT_HOOK,
    hookNameOut: transcoder ? SYNTHETIC_OUTPUT_HOOK : SYNTHETIC_INPUT_HOOK,
  };
  return planSpec(plan, sites, { modelName: sourceName, datasetPath: sourceName });
}

/**
 * expected_average_only_in's scales of x and y (by site) from the first batches of the
 * training stream (drawn again, identically, when training reaches them).
 */
async function estimateScales(
  device: GPUDevice,
  sampler: GpuSyntheticSampler,
  model: SyntheticModel,
): Promise<Map<string, number>> {
  const x = new NormScaleEstimator(model.hiddenDim);
  const y = model.output ? new NormScaleEstimator(model.output.dim) : undefined;
  const rows = sampler.batch;
  const batches = Math.min(NORM_ESTIMATE_MAX_BATCHES, Math.ceil(NORM_ESTIMATE_ROWS / rows));
  for (let step = 0; step < batches; step++) {
    const encoder = device.createCommandEncoder();
    const batch = sampler.encode(encoder, step);
    device.queue.submit([encoder.finish()]);
    x.add(await readFloats(device, batch.x, rows * model.hiddenDim), rows);
    if (y) y.add(await readFloats(device, batch.y!, rows * y.width), rows);
  }
  return new Map([
    [SYNTHETIC_INPUT_HOOK, x.scale],
    [SYNTHETIC_OUTPUT_HOOK, y ? y.scale : x.scale],
  ]);
}
