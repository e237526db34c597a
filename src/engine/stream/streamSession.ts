import type {
  DictionaryKind,
  DictionaryParams,
  DictionarySpec,
  NormalizeActivations,
} from "../dictionary/spec.ts";
import { GpuDictionaryApply } from "../eval/gpuDictionaryApply.ts";
import {
  evaluateSpliced,
  type EvalControl,
  type EvalWindows,
  type SplicedMetrics,
} from "../eval/splicedEval.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName, transcoderSites } from "../model/hooks.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import {
  exportedActivation,
  initialParams,
  selectsOverBatch,
  STANDARD,
  type ArchitectureOptions,
} from "../train/architecture.ts";
import { GpuDictionary } from "../train/gpuDictionary.ts";
import type { TrainingMetrics } from "../train/metrics.ts";
import { foldNormalization } from "../train/normalization.ts";
import type { Schedule } from "../train/schedule.ts";
import { DictionaryTrainer, type TrainerState } from "../train/trainer.ts";
import type { DictionaryState } from "../train/gpuDictionary.ts";
import { ActivationStore, type BatchTarget } from "./activationStore.ts";
import { estimateNormScales } from "./normScales.ts";
import {
  evenlySpacedWindows,
  GPT2_SPECIAL_TOKENS,
  listedWindows,
  SequenceSource,
  shuffledWindows,
  type TokenCorpus,
} from "./tokenCorpus.ts";

/** One dictionary to train on the model's stream. */
export interface DictionaryPlan {
  /** Names it in metrics and messages, e.g. "sae" or "transcoder". */
  id: string;
  kind: DictionaryKind;
  /** A transcoder's layer (ln2.hook_normalized -> hook_mlp_out); ignored for an SAE. */
  layer: number;
  /** An SAE's hook; ignored for a transcoder. */
  hook?: string;
  dSae: number;
  seed: number;
  normalize: NormalizeActivations;
  applyBDecToInput: boolean;
  schedule: Schedule;
  deadFeatureWindow: number;
  featureSamplingWindow: number;
  /** Start from these weights (raw-activation space) instead of a fresh initialization. */
  init?: DictionaryParams;
  /** How it trains (default: standard, ReLU + L1). */
  architecture?: ArchitectureOptions;
  /** A transcoder with a skip connection. */
  skip?: boolean;
}

export interface StreamOptions {
  batchSize: number;
  /** SAELens n_batches_in_buffer, in store batches of seqsPerForward sequences. */
  bufferBatches: number;
  /** Sequences per forward pass (SAELens store_batch_size_prompts). */
  seqsPerForward: number;
  contextSize: number;
  prependBos: boolean;
  /**
   * SAELens exclude_special_tokens (GPT-2's <|endoftext|>): left out of the stream, the
   * normalization estimate and the evaluation's means.
   */
  excludeSpecialTokens: boolean;
  storeSeed: number;
  logEvery: number;
  modelName: string;
  datasetPath: string;
}

export interface TrainedDictionary {
  id: string;
  spec: DictionarySpec;
  trainer: DictionaryTrainer;
  /** Where the store copies this dictionary's batch: its input, and its target if separate. */
  targets: BatchTarget[];
}

/**
 * A session's state after `batches` steps: every dictionary's GPU and host state. The stream
 * itself is not stored; restoring replays it (the model runs over the same windows again), so a
 * resumed run sees exactly the batches an uninterrupted one would.
 */
export interface SessionCheckpoint {
  batches: number;
  dictionaries: { id: string; gpu: DictionaryState; trainer: TrainerState }[];
}

/** Spliced-in metrics with the windows they were measured on. */
export type DictionaryEvaluation = SplicedMetrics & { eval_windows: EvalWindows };

/** Held-out sequences evaluated by default: see the README's "What the evaluation measures". */
export const DEFAULT_EVAL_SEQUENCES = 64;

/**
 * Trains several dictionaries at once on one model's activation stream: one ActivationStore
 * holding every site they read, each batch served to all of them. The same code runs in the
 * worker and on the command line.
 */
export class StreamSession {
  private batches = 0;

  private constructor(
    readonly model: GpuGpt2,
    readonly store: ActivationStore,
    readonly dictionaries: TrainedDictionary[],
    readonly options: StreamOptions,
  ) {}

  static async create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    model: GpuGpt2,
    corpus: TokenCorpus,
    plans: readonly DictionaryPlan[],
    options: StreamOptions,
  ): Promise<StreamSession> {
    const nLayer = model.config.nLayer;
    const d = model.config.dModel;
    const sites = plans.map((p) => {
      if (p.kind === "transcoder") {
        if (!(Number.isInteger(p.layer) && p.layer >= 0 && p.layer < nLayer)) {
          throw new Error(`${p.id}: layer ${p.layer} is outside 0..${nLayer - 1}`);
        }
        return transcoderSites(p.layer);
      }
      const hook = parseHookName(p.hook ?? "", nLayer).name;
      return { input: hook, output: hook };
    });
    const source = new SequenceSource(
      corpus,
      corpus.train,
      options.contextSize,
      options.prependBos,
      (range, body) => shuffledWindows(range, body, options.storeSeed),
    );
    const excludeTokens = options.excludeSpecialTokens ? GPT2_SPECIAL_TOKENS : [];
    const allSites = [...new Set(sites.flatMap((s) => [s.input, s.output]))];
    const store = new ActivationStore(device, shaders, model, source, {
      sites: allSites,
      batchSize: options.batchSize,
      bufferBatches: options.bufferBatches,
      seqsPerForward: options.seqsPerForward,
      seed: options.storeSeed,
      excludeTokens,
    });
    const needScales = plans.some((p) => p.normalize === "expected_average_only_in");
    const scales = needScales
      ? await estimateNormScales(device, model, corpus, allSites, {
          contextSize: options.contextSize,
          prependBos: options.prependBos,
          excludeTokens,
        })
      : new Map<string, number>();
    const dictionaries: TrainedDictionary[] = [];
    for (const [i, plan] of plans.entries()) {
      const { input, output } = sites[i]!;
      const architecture = plan.architecture ?? STANDARD;
      const activation = exportedActivation(architecture);
      const spec: DictionarySpec = {
        kind: plan.kind,
        dIn: d,
        dSae: plan.dSae,
        dOut: d,
        applyBDecToInput: plan.kind === "sae" && plan.applyBDecToInput,
        hookName: input,
        hookNameOut: output,
        modelName: options.modelName,
        normalizeActivations: plan.normalize,
        contextSize: options.contextSize,
        prependBos: options.prependBos,
        excludeSpecialTokens: options.excludeSpecialTokens,
        datasetPath: options.datasetPath,
        ...(activation.kind === "relu" ? {} : { activation }),
        ...(plan.skip ? { skip: true } : {}),
      };
      const normalized = plan.normalize === "expected_average_only_in";
      const sIn = normalized ? scales.get(input)! : 1;
      const sOut = normalized ? scales.get(output)! : 1;
      const gpu = new GpuDictionary(device, shaders, spec, options.batchSize, architecture);
      // Fresh weights act on normalized activations already; imported ones on raw ones.
      const start = plan.init
        ? foldNormalization(plan.init, 1 / sIn, 1 / sOut)
        : initialParams(spec, architecture, plan.seed);
      if (plan.skip && !start.wSkip) start.wSkip = new Float32Array(spec.dOut * spec.dIn);
      gpu.setParams(start);
      gpu.resetOptimizer();
      const trainer = new DictionaryTrainer(gpu, {
        schedule: plan.schedule,
        logEvery: options.logEvery,
        deadFeatureWindow: plan.deadFeatureWindow,
        densityWindow: plan.featureSamplingWindow,
        sIn,
        sOut,
      });
      const targets: BatchTarget[] = [{ site: input, buffer: gpu.batchInput }];
      if (plan.kind === "transcoder") targets.push({ site: output, buffer: gpu.batchTarget });
      dictionaries.push({ id: plan.id, spec, trainer, targets });
    }
    return new StreamSession(model, store, dictionaries, options);
  }

  get finished(): boolean {
    return this.dictionaries.every((d) => d.trainer.finished);
  }

  /** Batches served so far (steps taken). */
  get batchesServed(): number {
    return this.batches;
  }

  /** Serves one batch to every unfinished dictionary and trains them on it. */
  async step(): Promise<{ id: string; metrics: TrainingMetrics }[]> {
    const active = this.dictionaries.filter((d) => !d.trainer.finished);
    this.store.nextBatch(active.flatMap((d) => d.targets));
    this.batches++;
    const out: { id: string; metrics: TrainingMetrics }[] = [];
    for (const d of active) {
      const metrics = await d.trainer.stepOnDeviceBatch();
      if (metrics) out.push({ id: d.id, metrics });
    }
    return out;
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

  /**
   * Continues from a checkpoint of a session made with the same plans and options: replays the
   * stream up to it (nothing is trained on the replayed batches), then restores every
   * dictionary. `onProgress` hears how many batches were replayed.
   */
  async restore(
    checkpoint: SessionCheckpoint,
    onProgress: (batches: number) => void = () => {},
  ): Promise<void> {
    if (this.batches !== 0) throw new Error("restore a checkpoint into a new session");
    for (const saved of checkpoint.dictionaries) {
      if (!this.dictionaries.some((d) => d.id === saved.id)) {
        throw new Error(`the checkpoint has a dictionary "${saved.id}" this run does not`);
      }
    }
    while (this.batches < checkpoint.batches) {
      this.store.nextBatch([]);
      this.batches++;
      if (this.batches % 16 === 0) {
        await this.model.device.queue.onSubmittedWorkDone();
        onProgress(this.batches);
      }
    }
    for (const d of this.dictionaries) {
      const saved = checkpoint.dictionaries.find((c) => c.id === d.id);
      if (!saved) throw new Error(`the checkpoint has no state for "${d.id}"`);
      d.trainer.gpu.writeState(saved.gpu);
      d.trainer.restore(saved.trainer);
    }
    await this.model.device.queue.onSubmittedWorkDone();
  }

  /** The dictionaries' weights acting on raw activations (SAELens export). */
  async export(): Promise<{ id: string; spec: DictionarySpec; params: DictionaryParams }[]> {
    const out = [];
    for (const d of this.dictionaries) {
      out.push({ id: d.id, spec: d.spec, params: await d.trainer.exportParams() });
    }
    return out;
  }

  /**
   * Spliced-in metrics of every saved dictionary on held-out windows spread over the slice;
   * `control` hears the windows done over all dictionaries (sequences · dictionaries).
   */
  async evaluate(
    device: GPUDevice,
    shaders: ShaderLibrary,
    corpus: TokenCorpus,
    sequences: number,
    control?: EvalControl,
  ): Promise<{ id: string; metrics: DictionaryEvaluation }[]> {
    const excludeSpecialTokens = this.options.excludeSpecialTokens;
    const options = { sequences, excludeSpecialTokens, ...(control ? { control } : {}) };
    return this.evaluateEach(device, shaders, corpus, options, false);
  }

  /**
   * Spliced-in metrics of every dictionary as it trains (the live chart), as SAELens's evaluator
   * runs the training SAE: a BatchTopK dictionary keeps the int(k·rows) largest latents of the
   * windows evaluated together, not those above its running threshold τ (its saved form), which
   * starts at 0 and keeps far more than k early on.
   */
  async evaluateTraining(
    device: GPUDevice,
    shaders: ShaderLibrary,
    corpus: TokenCorpus,
    options: Pick<EvaluationOptions, "sequences" | "excludeSpecialTokens" | "l0" | "control">,
  ): Promise<{ id: string; metrics: DictionaryEvaluation }[]> {
    return this.evaluateEach(device, shaders, corpus, options, true);
  }

  private async evaluateEach(
    device: GPUDevice,
    shaders: ShaderLibrary,
    corpus: TokenCorpus,
    options: Pick<EvaluationOptions, "sequences" | "excludeSpecialTokens" | "l0" | "control">,
    training: boolean,
  ): Promise<{ id: string; metrics: DictionaryEvaluation }[]> {
    const out = [];
    const exported = await this.export();
    for (const [i, d] of exported.entries()) {
      const a = this.dictionaries[i]!.trainer.gpu.architecture;
      const batchTopK = training && selectsOverBatch(a) ? a.k : undefined;
      const control = options.control;
      const offset = i * options.sequences;
      const metrics = await evaluateDictionary(
        device,
        shaders,
        this.model,
        corpus,
        d.spec,
        d.params,
        {
          ...options,
          contextSize: this.options.contextSize,
          prependBos: this.options.prependBos,
          batchTopK,
          control: control && {
            ...control,
            between: (done: number) => control.between(offset + done),
          },
        },
      );
      out.push({ id: d.id, metrics });
    }
    return out;
  }

  destroy(): void {
    this.store.destroy();
    for (const d of this.dictionaries) d.trainer.gpu.destroy();
  }
}

export interface EvaluationOptions {
  sequences: number;
  /** Window starts to use instead of `sequences` windows spread evenly over the slice. */
  starts?: readonly number[];
  contextSize: number;
  prependBos: boolean;
  excludeSpecialTokens: boolean;
  /**
   * Evaluate a BatchTopK dictionary as it trains, with this k: the int(k·rows) largest latents
   * over each chunk of windows evaluated together (GpuDictionaryApply's batchTopK).
   */
  batchTopK?: number;
  /** Also report l0, the mean non-zero latents per replaced position. */
  l0?: boolean;
  /** Hears the windows done, and may pause or stop the evaluation between forward passes. */
  control?: EvalControl;
}

/**
 * Spliced-in metrics of one dictionary (raw-activation weights) on `sequences` windows of the
 * held-out slice, spread evenly over all of it (never more than it holds).
 */
export async function evaluateDictionary(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  corpus: TokenCorpus,
  spec: DictionarySpec,
  params: DictionaryParams,
  options: EvaluationOptions,
): Promise<DictionaryEvaluation> {
  const d = model.config.dModel;
  if (spec.dIn !== d || spec.dOut !== d) {
    throw new Error(
      `the dictionary's d_in/d_out (${spec.dIn}/${spec.dOut}) do not match the model's d_model (${d})`,
    );
  }
  const nLayer = model.config.nLayer;
  const input = parseHookName(spec.hookName, nLayer);
  const output = parseHookName(spec.hookNameOut, nLayer);
  const { contextSize, prependBos } = options;
  const body = contextSize - (prependBos ? 1 : 0);
  const starts = options.starts
    ? [...options.starts]
    : evenlySpacedWindows(corpus.heldOut, body, options.sequences);
  if (starts.length === 0) {
    throw new Error(`the held-out slice is shorter than one sequence of ${body} tokens`);
  }
  const apply = new GpuDictionaryApply(
    device,
    new LinearKernels(device, shaders),
    spec,
    params,
    Math.min(model.maxRows, starts.length * contextSize),
    { batchTopK: options.batchTopK, countActive: options.l0 ?? false },
  );
  try {
    const source = new SequenceSource(corpus, corpus.heldOut, contextSize, prependBos, () =>
      listedWindows(starts),
    );
    const excludeTokens = options.excludeSpecialTokens ? GPT2_SPECIAL_TOKENS : [];
    const metrics = await evaluateSpliced(
      device,
      shaders,
      model,
      source,
      starts.length,
      {
        handlers: (rows) => apply.spliceHandlers(input.name, output.name, rows),
        ablateHook: output.name,
        activeCounts: apply.activeCounts,
      },
      excludeTokens,
      options.control,
    );
    return {
      ...metrics,
      eval_windows: {
        corpus: corpus.name,
        token_offsets: starts,
        context_size: contextSize,
        prepend_bos: prependBos,
        exclude_special_tokens: [...excludeTokens],
      },
    };
  } finally {
    apply.destroy();
  }
}
