import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { GpuDictionaryApply } from "../eval/gpuDictionaryApply.ts";
import type { EvalControl } from "../eval/splicedEval.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName, transcoderSites } from "../model/hooks.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import { ActivationStore, type BatchTarget } from "./activationStore.ts";
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
import {
  evaluateHeldOut,
  heldOutWindows,
  type DictionaryEvaluation,
  type HeldOutOptions,
} from "./heldOutEvaluation.ts";
import { estimateNormScales } from "./normScales.ts";
import {
  GPT2_SPECIAL_TOKENS,
  SequenceSource,
  shuffledWindows,
  type TokenCorpus,
} from "./tokenCorpus.ts";

export type { SessionCheckpoint } from "./dictionarySession.ts";
export type { DictionaryEvaluation } from "./heldOutEvaluation.ts";

/** One dictionary to train on the model's stream. */
export interface DictionaryPlan extends DictionaryTrainingPlan {
  /** A transcoder's layer (ln2.hook_normalized -> hook_mlp_out); ignored for an SAE. */
  layer: number;
  /** An SAE's hook; ignored for a transcoder. */
  hook?: string;
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

/** Held-out sequences evaluated by default: see the README's "What the evaluation measures". */
export const DEFAULT_EVAL_SEQUENCES = 64;

/**
 * The activation store as a session's batch source. It is not stored in a checkpoint: resuming
 * replays it (the model runs over the same windows again).
 */
class StoreBatches implements BatchSource {
  constructor(
    private readonly store: ActivationStore,
    private readonly device: GPUDevice,
  ) {}

  serve(_step: number, dictionaries: readonly TrainedDictionary[]): void {
    this.store.nextBatch(dictionaries.flatMap(storeTargets));
  }

  async resumeAt(batches: number, onProgress: (batches: number) => void): Promise<void> {
    for (let replayed = 1; replayed <= batches; replayed++) {
      this.store.nextBatch([]);
      if (replayed % 16 === 0) {
        await this.device.queue.onSubmittedWorkDone();
        onProgress(replayed);
      }
    }
  }

  destroy(): void {
    this.store.destroy();
  }
}

/** Where the store copies a dictionary's batch: its input, and a transcoder's target. */
function storeTargets(d: TrainedDictionary): BatchTarget[] {
  const gpu = d.trainer.gpu;
  const targets: BatchTarget[] = [{ site: d.spec.hookName, buffer: gpu.batchInput }];
  if (d.spec.kind === "transcoder")
    targets.push({ site: d.spec.hookNameOut, buffer: gpu.batchTarget });
  return targets;
}

/**
 * Trains several dictionaries at once on one model's activation stream: one ActivationStore
 * holding every site they read, each batch served to all of them. The same code runs in the
 * worker and on the command line.
 */
export class StreamSession extends DictionarySession {
  private constructor(
    readonly model: GpuGpt2,
    readonly store: ActivationStore,
    dictionaries: TrainedDictionary[],
    readonly options: StreamOptions,
  ) {
    super(model.device, new StoreBatches(store, model.device), dictionaries);
  }

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
    const provenance = {
      modelName: options.modelName,
      contextSize: options.contextSize,
      prependBos: options.prependBos,
      excludeSpecialTokens: options.excludeSpecialTokens,
      datasetPath: options.datasetPath,
    };
    const dictionaries = plans.map((plan, i) => {
      const { input, output } = sites[i]!;
      const spec = planSpec(
        plan,
        { dIn: d, dOut: d, hookName: input, hookNameOut: output },
        provenance,
      );
      return createTrainedDictionary(device, shaders, plan, spec, options, scales);
    });
    return new StreamSession(model, store, dictionaries, options);
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
   * windows evaluated together.
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
    for (const [i, d] of (await this.exportForEvaluation(training)).entries()) {
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
          batchTopK: d.batchTopK,
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
}

export interface EvaluationOptions extends HeldOutOptions {
  /**
   * Evaluate a BatchTopK dictionary as it trains, with this k: the int(k·rows) largest latents
   * over each chunk of windows evaluated together (GpuDictionaryApply's batchTopK).
   */
  batchTopK?: number;
  /** Also report l0, the mean non-zero latents per replaced position. */
  l0?: boolean;
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
  const { starts, rows } = heldOutWindows(model, corpus, options);
  const apply = new GpuDictionaryApply(
    device,
    new LinearKernels(device, shaders),
    spec,
    params,
    rows,
    {
      batchTopK: options.batchTopK,
      countActive: options.l0 ?? false,
    },
  );
  try {
    return await evaluateHeldOut(device, shaders, model, corpus, starts, options, {
      handlers: (replace) => apply.spliceHandlers(input.name, output.name, replace),
      ablateHook: output.name,
      activeCounts: apply.activeCounts,
    });
  } finally {
    apply.destroy();
  }
}
