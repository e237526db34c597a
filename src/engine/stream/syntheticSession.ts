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
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { GpuSyntheticSampler } from "../synthetic/gpuSyntheticSampler.ts";
import type { SyntheticRunResult } from "../synthetic/metricsRun.ts";
import type { SyntheticModel } from "../synthetic/syntheticModel.ts";
import {
  exportedActivation,
  initialParams,
  selectsOverBatch,
  STANDARD,
  type ArchitectureOptions,
} from "../train/architecture.ts";
import { GpuDictionary } from "../train/gpuDictionary.ts";
import type { TrainingMetrics } from "../train/metrics.ts";
import { foldNormalization, NormScaleEstimator } from "../train/normalization.ts";
import { DictionaryTrainer } from "../train/trainer.ts";
import type { DictionaryPlan, SessionCheckpoint } from "./streamSession.ts";
import type { SyntheticGroundTruth } from "./syntheticGroundTruth.ts";

/** One dictionary of a synthetic run: a stream plan without its layer or hook. */
export type SyntheticDictionaryPlan = Omit<DictionaryPlan, "layer" | "hook">;

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

export interface SyntheticTrainedDictionary {
  id: string;
  spec: DictionarySpec;
  trainer: DictionaryTrainer;
}

export class SyntheticStreamSession {
  private batches = 0;

  private constructor(
    readonly device: GPUDevice,
    readonly model: SyntheticModel,
    readonly sampler: GpuSyntheticSampler,
    readonly dictionaries: SyntheticTrainedDictionary[],
    readonly options: SyntheticStreamOptions,
  ) {}

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
        : { sIn: 1, sOut: 1 };
      const dictionaries = plans.map((plan) =>
        createDictionary(device, shaders, model, plan, options, scales),
      );
      return new SyntheticStreamSession(device, model, sampler, dictionaries, options);
    } catch (err) {
      sampler.destroy();
      throw err;
    }
  }

  get finished(): boolean {
    return this.dictionaries.every((d) => d.trainer.finished);
  }

  /** Batches served so far (steps taken). */
  get batchesServed(): number {
    return this.batches;
  }

  /** Draws batch `batchesServed` and trains every unfinished dictionary on it. */
  async step(): Promise<{ id: string; metrics: TrainingMetrics }[]> {
    const active = this.dictionaries.filter((d) => !d.trainer.finished);
    const encoder = this.device.createCommandEncoder({ label: "synthetic batch" });
    const batch = this.sampler.encode(encoder, this.batches);
    for (const d of active) {
      const gpu = d.trainer.gpu;
      encoder.copyBufferToBuffer(batch.x, 0, gpu.batchInput, 0, this.rowBytes(d.spec.dIn));
      if (d.spec.kind === "transcoder") {
        encoder.copyBufferToBuffer(batch.y!, 0, gpu.batchTarget, 0, this.rowBytes(d.spec.dOut));
      }
    }
    this.device.queue.submit([encoder.finish()]);
    this.batches++;
    const out: { id: string; metrics: TrainingMetrics }[] = [];
    for (const d of active) {
      const metrics = await d.trainer.stepOnDeviceBatch();
      if (metrics) out.push({ id: d.id, metrics });
    }
    return out;
  }

  private rowBytes(width: number): number {
    return this.options.batchSize * width * 4;
  }

  async checkpoint(): Promise<SessionCheckpoint> {
    const dictionaries = [];
    for (const d of this.dictionaries) {
      dictionaries.push({
        id: d.id,
        gpu: await d.trainer.gpu.readState(),
        trainer: d.trainer.state,
      });
    }
    return { batches: this.batches, dictionaries };
  }

  /** Continues from a checkpoint of a session with the same plans (no replay: see above). */
  async restore(checkpoint: SessionCheckpoint): Promise<void> {
    if (this.batches !== 0) throw new Error("restore a checkpoint into a new session");
    for (const d of this.dictionaries) {
      const saved = checkpoint.dictionaries.find((c) => c.id === d.id);
      if (!saved) throw new Error(`the checkpoint has no state for "${d.id}"`);
      d.trainer.gpu.writeState(saved.gpu);
      d.trainer.restore(saved.trainer);
    }
    this.batches = checkpoint.batches;
    await this.device.queue.onSubmittedWorkDone();
  }

  /** The dictionaries' weights as saved (SAELens export, acting on raw x and y). */
  async export(): Promise<{ id: string; spec: DictionarySpec; params: DictionaryParams }[]> {
    const out = [];
    for (const d of this.dictionaries) {
      out.push({ id: d.id, spec: d.spec, params: await d.trainer.exportParams() });
    }
    return out;
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
    const exported = await this.export();
    for (const [i, d] of exported.entries()) {
      const a = this.dictionaries[i]!.trainer.gpu.architecture;
      const batchTopK = options.training && selectsOverBatch(a) ? a.k : undefined;
      const result = await truth.evaluate(d, {
        samples: options.samples,
        ...(batchTopK === undefined ? {} : { batchTopK }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      out.push({ id: d.id, result });
    }
    return out;
  }

  destroy(): void {
    this.sampler.destroy();
    for (const d of this.dictionaries) d.trainer.gpu.destroy();
  }
}

/** The spec of a dictionary trained on the synthetic model's x (and y). */
export function syntheticSpec(
  model: SyntheticModel,
  plan: SyntheticDictionaryPlan,
  sourceName: string,
): DictionarySpec {
  const transcoder = plan.kind === "transcoder";
  const activation = exportedActivation(plan.architecture ?? STANDARD);
  return {
    kind: plan.kind,
    dIn: model.hiddenDim,
    dSae: plan.dSae,
    dOut: transcoder ? model.output!.dim : model.hiddenDim,
    applyBDecToInput: !transcoder && plan.applyBDecToInput,
    hookName: SYNTHETIC_INPUT_HOOK,
    hookNameOut: transcoder ? SYNTHETIC_OUTPUT_HOOK : SYNTHETIC_INPUT_HOOK,
    modelName: sourceName,
    normalizeActivations: plan.normalize,
    datasetPath: sourceName,
    ...(activation.kind === "relu" ? {} : { activation }),
    ...(plan.skip ? { skip: true } : {}),
  };
}

function createDictionary(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: SyntheticModel,
  plan: SyntheticDictionaryPlan,
  options: SyntheticStreamOptions,
  scales: { sIn: number; sOut: number },
): SyntheticTrainedDictionary {
  const architecture: ArchitectureOptions = plan.architecture ?? STANDARD;
  const spec = syntheticSpec(model, plan, options.sourceName);
  const normalized = plan.normalize === "expected_average_only_in";
  const sIn = normalized ? scales.sIn : 1;
  const sOut = normalized ? (spec.kind === "transcoder" ? scales.sOut : scales.sIn) : 1;
  const gpu = new GpuDictionary(device, shaders, spec, options.batchSize, architecture);
  try {
    const start = plan.init
      ? foldNormalization(plan.init, 1 / sIn, 1 / sOut)
      : initialParams(spec, architecture, plan.seed);
    if (plan.skip && !start.wSkip) start.wSkip = new Float32Array(spec.dOut * spec.dIn);
    gpu.setParams(start);
    gpu.resetOptimizer();
  } catch (err) {
    gpu.destroy();
    throw err;
  }
  const trainer = new DictionaryTrainer(gpu, {
    schedule: plan.schedule,
    logEvery: options.logEvery,
    deadFeatureWindow: plan.deadFeatureWindow,
    densityWindow: plan.featureSamplingWindow,
    sIn,
    sOut,
  });
  return { id: plan.id, spec, trainer };
}

/**
 * expected_average_only_in's scales from the first batches of the training stream (drawn
 * again, identically, when training reaches them).
 */
async function estimateScales(
  device: GPUDevice,
  sampler: GpuSyntheticSampler,
  model: SyntheticModel,
): Promise<{ sIn: number; sOut: number }> {
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
  return { sIn: x.scale, sOut: y ? y.scale : x.scale };
}
