/** The one typed message protocol between the UI thread and the engine worker. */
import type { DictionaryKind, NormalizeActivations } from "../engine/dictionary/spec.ts";
import type { SplicedMetrics } from "../engine/eval/splicedEval.ts";
import type { HookSite } from "../engine/model/hooks.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";

export interface SyntheticRunConfig {
  kind: DictionaryKind;
  dIn: number;
  dOut: number;
  dSae: number;
  batchSize: number;
  steps: number;
  l1Coefficient: number;
  lr: number;
  seed: number;
  logEvery: number;
}

/** One dictionary of a run on the model's stream. */
export interface StreamDictionaryConfig {
  /** "sae" or "transcoder": names its curves and metrics. */
  kind: DictionaryKind;
  /** SAE only: which of the layer's hooks it reconstructs. */
  site?: HookSite;
  dSae: number;
  l1Coefficient: number;
  lr: number;
}

/** Train one or more dictionaries at one layer of the built-in model, at once, on its stream. */
export interface StreamRunConfig {
  layer: number;
  dictionaries: StreamDictionaryConfig[];
  batchSize: number;
  steps: number;
  seed: number;
  logEvery: number;
  /** TransformerLens weight processing (default on). */
  processing: boolean;
  normalize: NormalizeActivations;
  /** Held-out sequences for the spliced-in metrics at the end (0 = none). */
  evalSequences: number;
}

export interface ModelInfo {
  name: string;
  nLayer: number;
  dModel: number;
  nHead: number;
  nCtx: number;
  vocabSize: number;
  processed: boolean;
  corpus: string;
  trainTokens: number;
  heldOutTokens: number;
}

export type ToWorker =
  | { type: "train-synthetic"; runId: string; config: SyntheticRunConfig }
  | { type: "load-model"; processing: boolean }
  | { type: "train-stream"; runId: string; config: StreamRunConfig }
  | { type: "stop"; runId: string };

export type FromWorker =
  | { type: "ready"; adapter: string }
  | { type: "model-ready"; info: ModelInfo }
  | { type: "model-error"; message: string }
  | {
      type: "metrics";
      runId: string;
      /** Which dictionary of the run ("sae", "transcoder"). */
      dictionary: string;
      metrics: TrainingMetrics;
      /** Training tokens per second since the last report. */
      tokensPerSecond: number;
      /** Tokens per second the model produced for the activation stream, over the run. */
      streamTokensPerSecond?: number;
    }
  | { type: "status"; runId: string; message: string }
  | { type: "eval"; runId: string; dictionary: string; metrics: SplicedMetrics }
  | { type: "done"; runId: string; steps: number }
  | { type: "error"; runId?: string; message: string };
