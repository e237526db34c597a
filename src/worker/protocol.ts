/** The one typed message protocol between the UI thread and the engine worker. */
import type { DictionaryKind, NormalizeActivations } from "../engine/dictionary/spec.ts";
import type { FeatureMatches } from "../engine/features/featureMatching.ts";
import type { DictClassChoice } from "../engine/formats/recognize/dictClassChoice.ts";
import type { HookSite } from "../engine/model/hooks.ts";
import type { ModelQuality } from "../engine/model/modelQuality.ts";
import type { ProbeLoss } from "../engine/model/probeLoss.ts";
import type { DictionaryEvaluation } from "../engine/stream/streamSession.ts";
import type { Sweep, SweepSetting, SweepValue } from "../engine/stream/sweep.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { FromWorkerCircuits, ToWorkerCircuits } from "./circuitsProtocol.ts";
import type { RunData, SyntheticFromWorker } from "./syntheticProtocol.ts";

/** One dictionary of a run on the model's stream. */
export interface StreamDictionaryConfig {
  /**
   * Names its curves, metrics, checkpoint slot and download folder, and seeds it: "sae" and
   * "transcoder" in a plain pair (records saved before ids get these on read), a sweep id
   * otherwise ("transcoder.L3.k16", engine/stream/sweep.ts).
   */
  id: string;
  /** For people, e.g. "transcoder · L3 · k 16"; absent in a plain pair (the kind names it). */
  label?: string;
  kind: DictionaryKind;
  /** Its layer; absent = the run's. */
  layer?: number;
  /** The swept setting and this dictionary's value, in a sweep. */
  swept?: { setting: SweepSetting; value: SweepValue };
  /** SAE only: which of the layer's hooks it reconstructs. */
  site?: HookSite;
  dSae: number;
  /** Read by the standard architecture (ReLU + L1) only. */
  l1Coefficient: number;
  lr: number;
  /** SAELens's training architecture; absent = "standard" (runs saved before it stay valid). */
  architecture?: StreamArchitecture;
  /** TopK / BatchTopK / Matryoshka BatchTopK: latents kept per token (SAELens's k). */
  k?: number;
  /** Matryoshka BatchTopK: SAELens's matryoshka_widths; absent: d_sae/8, /4, /2, d_sae. */
  matryoshkaWidths?: number[];
  /** JumpReLU: SAELens's l0_coefficient. */
  l0Coefficient?: number;
  /** Transcoder only: a skip connection (W_skip). */
  skip?: boolean;
}

export type StreamArchitecture =
  "standard" | "topk" | "batchtopk" | "matryoshka_batchtopk" | "jumprelu";

/** Train a list of dictionaries of the built-in model at once, on one stream. */
export interface StreamRunConfig {
  /** The layer of a dictionary that names none (and the Train view's layer). */
  layer: number;
  dictionaries: StreamDictionaryConfig[];
  /**
   * How the Train view made the list from one dictionary per kind (expandRunConfig): a sweep
   * of one setting, and a dictionary of each kind at each of `layers`. Absent for a plain pair.
   */
  sweep?: Sweep;
  layers?: number[];
  batchSize: number;
  steps: number;
  seed: number;
  logEvery: number;
  /** TransformerLens weight processing (default on). */
  processing: boolean;
  normalize: NormalizeActivations;
  /** Held-out sequences for the spliced-in metrics at the end (0 = none). */
  evalSequences: number;
  /** ce_loss_score while training every N steps; 0 = chosen to cost about 10% of training. */
  liveEvalEvery: number;
  /**
   * What the dictionaries train on: the built-in model's activations (absent, the default) or
   * a synthetic model's x (and y), where live evaluations measure the ground truth instead.
   */
  data?: RunData;
}

/** Held-out windows the ce_loss_score measured while training reads (the final eval reads more). */
export const LIVE_EVAL_WINDOWS = 2;

/** Which model the engine runs: the built-in one, or a recognised checkpoint the user loaded. */
export type ModelSource = { kind: "builtin" } | { kind: "loaded"; loadId: string };

export interface ModelInfo {
  /** The built-in model's name, or the loaded item's (untrusted: render as text). */
  name: string;
  source: ModelSource;
  nLayer: number;
  dModel: number;
  nHead: number;
  dMlp: number;
  nCtx: number;
  vocabSize: number;
  processed: boolean;
  corpus: string;
  trainTokens: number;
  heldOutTokens: number;
  /** The built-in model's measured quality; absent for a loaded checkpoint. */
  quality?: ModelQuality;
  /** Proof that it runs here: its next-token loss on the first held-out tokens. */
  probe?: ProbeLoss & { tokens: number };
}

export interface AdapterInfo {
  name: string;
  /** A CPU implementation (SwiftShader, or the adapter says it is a fallback). */
  software: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Dense-product FLOP/s measured when the engine started (the run estimate's clock). */
  flopsPerSecond?: number;
  /**
   * A software adapter's memory: its buffers live in the machine's memory, of which a guess
   * of half (navigator.deviceMemory / 2) is left to one tab. Unknown on a GPU.
   */
  memoryBytes?: number;
  /** The machine's memory as navigator.deviceMemory gives it (GB). */
  deviceMemoryGb?: number;
}

/**
 * A learning-rate, L1 or (JumpReLU) L0 coefficient change made while paused: it applies after
 * `step` steps. k stays fixed during a run (it sizes the TopK buffers), and so does the AuxK
 * coefficient (a constant of the compiled AuxK kernels).
 */
export interface HyperparameterChange {
  step: number;
  dictionary: string;
  lr: number;
  l1Coefficient: number;
  /** JumpReLU only. */
  l0Coefficient?: number;
  /** What they were before (absent when the page recorded the change itself). */
  previous?: { lr: number; l1Coefficient: number; l0Coefficient?: number };
}

/** Faults the tests inject through the protocol (never sent by the page itself). */
export type InjectedFault = "device-lost" | "nan" | "worker-crash";

export type FaultKind = "nan" | "device-lost" | "limits" | "storage" | "worker";

/** One file of a dropped or picked set: its path relative to the drop (a folder's files keep it). */
export interface PickedFile {
  /** "/"-separated, e.g. "blocks.0.hook_resid_pre/cfg.json", or just the file name. */
  path: string;
  /** Structured-cloned as a handle: the worker reads slices of it, never the whole file. */
  file: File;
}

/** Where the worker is loading from a Hugging Face repo. */
export interface HubLoadSource {
  repo: string;
  /** Inside the repo; "" for its root. */
  path: string;
  revision?: string;
  /** What the pasted location said the path is; "unknown" probes a file, then a folder. */
  pathKind?: "file" | "folder" | "unknown";
  /** The Hub's base URL; default https://huggingface.co (tests point it at a mock). */
  endpoint?: string;
}

/**
 * Bring-your-own-weights messages, keyed by a loadId the page picks. A load goes
 * load-progress* → (needs-dict-class, answered by set-dict-class) → recognized → load-progress*
 * → loaded (or needs-norm-scale first), or ends with load-error at any point. After cancel-load or unload the worker says nothing more of it.
 */
export type ToWorkerLoad =
  | { type: "load-files"; loadId: string; name: string; files: PickedFile[] }
  | { type: "load-hub"; loadId: string; source: HubLoadSource }
  | { type: "cancel-load"; loadId: string }
  /** The expected_average_only_in scale the files did not carry (answer to needs-norm-scale). */
  | { type: "set-norm-scale"; loadId: string; scale: number }
  /** The dictionary_learning class the files did not name (answer to needs-dict-class). */
  | { type: "set-dict-class"; loadId: string; dictClass: DictClassChoice }
  /** Forget a loaded item and free its weights. */
  | { type: "unload"; loadId: string }
  /** Zip the loaded dictionary as a SAELens folder (answered with loaded-export-ready). */
  | { type: "export-loaded"; loadId: string; fileName: string };

/**
 * Replace the model the engine runs: a recognised model item, streamed onto the GPU (answered
 * with load-progress* for that loadId, then model-ready; or model-error with the loadId, the
 * previous model still in use), or null for the built-in model. Refused while a run is in
 * progress. cancel-use-model stops a switch in flight.
 */
export type ToWorkerModel =
  { type: "use-model"; loadId: string | null } | { type: "cancel-use-model"; loadId: string };

export type FromWorkerLoad =
  /**
   * load-files of .zip files only: the zips hold these folders, each now a load of its own
   * under its loadId (its messages follow); the split load's loadId says nothing more.
   */
  | { type: "load-split"; loadId: string; parts: { loadId: string; name: string }[] }
  /** Bytes read so far; `total` is 0 while it is not known yet (reading configs). */
  | { type: "load-progress"; loadId: string; loaded: number; total: number; label: string }
  | {
      type: "recognized";
      loadId: string;
      kind: "dictionary" | "model";
      /** describeRecognized: one line, from untrusted file contents (render as text). */
      description: string;
      /** recognizedJson. */
      details: Record<string, unknown>;
      notes: string[];
      /** Why this dictionary cannot run on the loaded model; it stays loaded for weight views. */
      mismatch?: string;
    }
  /** Done: a dictionary's weights are in worker memory; a model's files stay open for use-model. */
  | { type: "loaded"; loadId: string; exportRefusal?: string }
  | { type: "load-error"; loadId: string; message: string }
  /** The weights are read but need their normalization scale (answer with set-norm-scale). */
  | { type: "needs-norm-scale"; loadId: string; message: string }
  /**
   * Before recognized: the files do not say which of `choices` they hold (a dictionary_learning
   * ae.pt without config.json); answer with set-dict-class, and the load goes on from recognized.
   */
  | { type: "needs-dict-class"; loadId: string; message: string; choices: DictClassChoice[] }
  | { type: "loaded-export-ready"; loadId: string; fileName: string; bytes: ArrayBuffer }
  | { type: "loaded-export-error"; loadId: string; message: string }
  /** A dictionary's mismatch with the model now in use (sent again when the model changes). */
  | { type: "load-mismatch"; loadId: string; mismatch?: string };

export type ToWorker =
  | ToWorkerLoad
  | ToWorkerModel
  /** Load (or reload, for a new processing setting) the model in use and say model-ready. */
  | { type: "load-model"; processing: boolean }
  /** Start a run, or with `resume`, continue it from its checkpoint in IndexedDB. */
  | { type: "train"; runId: string; config: StreamRunConfig; resume?: boolean }
  | { type: "pause"; runId: string }
  | { type: "resume"; runId: string }
  /** One training step while paused. */
  | { type: "step"; runId: string }
  | { type: "stop"; runId: string }
  /**
   * Score a stopped run's saved weights spliced into the model (run-state evaluating,
   * progress*, eval per dictionary, then evaluated); pause and stop act on it as on a run.
   */
  | { type: "evaluate"; runId: string; config: StreamRunConfig }
  | {
      type: "set-hyperparameters";
      runId: string;
      change: Omit<HyperparameterChange, "step" | "previous">;
    }
  /** Zip a run's final weights as SAELens folders (answered with export-ready). */
  | {
      type: "export-run";
      runId: string;
      fileName: string;
      /** Zip its transcoders as a transcoder set instead ("Download set"). */
      set?: boolean;
    }
  | { type: "inject-fault"; fault: InjectedFault }
  | ToWorkerCircuits
  | ToWorkerFeatures
  | import("./interventionProtocol.ts").ToWorkerIntervention;

export type RunPhase = "preparing" | "running" | "paused" | "evaluating";

export type FromWorker =
  | FromWorkerLoad
  | FromWorkerCircuits
  | FromWorkerFeatures
  | import("./interventionProtocol.ts").FromWorkerIntervention
  | { type: "ready"; adapter: AdapterInfo }
  | { type: "no-device"; message: string }
  | { type: "model-ready"; info: ModelInfo }
  /** With `use`: that switch of model failed; the previous model is still in use. */
  | { type: "model-error"; message: string; use?: { loadId: string | null } }
  | {
      type: "run-state";
      runId: string;
      phase: RunPhase;
      step: number;
      totalSteps: number;
      message?: string;
    }
  | {
      type: "metrics";
      runId: string;
      /** Every dictionary logged at this step ("sae", "transcoder"), in one message. */
      entries: { dictionary: string; metrics: TrainingMetrics }[];
      /** Training tokens so far. */
      tokens: number;
      /** Training tokens per second since the last report. */
      tokensPerSecond: number;
      /** Tokens per second the model produced for the activation stream, over the run. */
      streamTokensPerSecond?: number;
    }
  | {
      type: "live-eval";
      runId: string;
      dictionary: string;
      step: number;
      tokens: number;
      ce_loss_score: number;
      /** Steps between live evaluations, as chosen. */
      every: number;
      /** Held-out windows it read (LIVE_EVAL_WINDOWS). */
      windows: number;
    }
  /**
   * Where the run is, at most PROGRESS_PER_SECOND times a second: every step while training,
   * every window while evaluating at the end. `etaMs` counts active time only (absent while
   * it is not known yet).
   */
  | {
      type: "progress";
      runId: string;
      stage: "training" | "evaluating";
      step: number;
      tokens: number;
      /** Evaluating: windows read of all (over every dictionary). */
      windowsDone?: number;
      windowsTotal?: number;
      etaMs?: number;
    }
  /**
   * Every dictionary's feature density over the steps since the last one, read on logging
   * steps (the density window is the logging period); log10 arrays transferred.
   */
  | {
      type: "density";
      runId: string;
      step: number;
      tokens: number;
      /** Training tokens the window covers. */
      windowTokens: number;
      denseThreshold: number;
      entries: LiveDensityEntry[];
    }
  | { type: "checkpoint"; runId: string; step: number }
  | { type: "hyperparameters"; runId: string; change: HyperparameterChange }
  | { type: "eval"; runId: string; dictionary: string; metrics: DictionaryEvaluation }
  | SyntheticFromWorker
  | { type: "done"; runId: string; steps: number }
  /** Stopped by the user: the checkpoint and weights so far are saved. */
  | { type: "stopped"; runId: string; steps: number }
  /** An evaluate request finished (or was stopped: then some dictionaries have no eval). */
  | { type: "evaluated"; runId: string }
  /**
   * Something went wrong that the user can act on; the run (if any) keeps what was trained
   * up to its last checkpoint. `resumable`: Resume continues it from there.
   */
  | {
      type: "fault";
      runId?: string;
      kind: FaultKind;
      message: string;
      step?: number;
      dictionary?: string;
      hint?: string;
      resumable: boolean;
    }
  | { type: "export-ready"; runId: string; fileName: string; bytes: ArrayBuffer }
  | { type: "export-error"; runId: string; message: string }
  | { type: "error"; runId?: string; message: string };

/** log10 densities of all features: counts in equal bins over [lo, hi]; dead ones apart. */
export interface DensityHistogramBins {
  lo: number;
  hi: number;
  counts: number[];
  /** Never fired (in the window read). */
  dead: number;
  /** Density above the dense threshold. */
  dense: number;
}

/** One dictionary's feature density over a training window (posted in "density"). */
export interface LiveDensityEntry {
  dictionary: string;
  /** Per feature log10 firing frequency over the window; -10 when it never fired. */
  log10: Float32Array<ArrayBuffer>;
  histogram: DensityHistogramBins;
}

/** A dictionary the inspector can run: a trained run's (its final weights) or a loaded one. */
export type FeatureDictionaryRef =
  { kind: "run"; runId: string; dictionaryId: string } | { kind: "loaded"; loadId: string };

/**
 * Feature dashboards, keyed by a requestId the page picks: inspect-features → features-progress*
 * → features-ready, or features-error. After cancel-features the worker says nothing more of
 * that request. export-features writes the last ready result as `npm run features`'s
 * features.json (answered with features-export-ready or features-error).
 */
export type ToWorkerFeatures =
  | {
      type: "inspect-features";
      requestId: string;
      dictionary: FeatureDictionaryRef;
      /** Tokens of the built-in corpus's held-out slice to read, in whole windows. */
      tokens: number;
      /** Compute logits, de-embeddings and neighbours too (default true). */
      weightViews?: boolean;
    }
  | { type: "cancel-features"; requestId: string }
  | { type: "export-features"; requestId: string; fileName: string }
  /**
   * Try a prompt: the text's tokens (no BOS on the built-in model; at most the run context),
   * one forward pass to the dictionaries' input hooks, each token's top features per
   * dictionary. Answered with prompt-result or prompt-error.
   */
  | {
      type: "try-prompt";
      requestId: string;
      text: string;
      /** One or two dictionaries (e.g. a run's SAE and transcoder at the same layer). */
      dictionaries: FeatureDictionaryRef[];
    }
  /**
   * One feature's activation at every position of one window (a dashboards' window, as read):
   * one forward pass to the dictionary's input hook. Answered with feature-window-ready or
   * feature-window-error.
   */
  | {
      type: "feature-window";
      requestId: string;
      dictionary: FeatureDictionaryRef;
      feature: number;
      tokens: number[];
    }
  /**
   * Match A's features to B's (decoder cosine, activation correlation, chance baselines) over
   * the first `tokens` of the held-out slice: match-progress* → match-ready, or match-error.
   * After cancel-match the worker says nothing more of that request.
   */
  | {
      type: "match-features";
      requestId: string;
      a: FeatureDictionaryRef;
      b: FeatureDictionaryRef;
      tokens: number;
    }
  | { type: "cancel-match"; requestId: string };

/** match-ready's result: featureMatching.ts's, with the dictionaries' labels. */
export interface FeatureMatchResult extends FeatureMatches {
  labelA: string;
  labelB: string;
  seconds: number;
}

/** Try-a-prompt's answer: per dictionary, per token, the top features [index, value]. */
export interface PromptResult {
  requestId: string;
  /** Each token's decoded string (untrusted: render as text). */
  tokens: string[];
  /** The text had more tokens than the run context; the rest were left out. */
  truncated: boolean;
  /** A BOS token (<|endoftext|>) was put first. */
  prependBos: boolean;
  /** In the order asked; top[t] lists token t's firing features, strongest first (≤ 5). */
  perDictionary: {
    label: string;
    kind: DictionaryKind;
    dSae: number;
    hookName: string;
    top: [index: number, value: number][][];
  }[];
  /** Milliseconds from the request reaching the worker to the answer. */
  ms: number;
}

/** PRODUCT_TOP entries per feature, row-major [dSae, k]: token ids (or feature ids), values. */
export interface FeatureExtremes {
  k: number;
  topIndex: Uint32Array<ArrayBuffer>;
  topValue: Float32Array<ArrayBuffer>;
  bottomIndex: Uint32Array<ArrayBuffer>;
  bottomValue: Float32Array<ArrayBuffer>;
}

/** Examples of every feature in CSR form: feature f's are [offsets[f], offsets[f + 1]). */
export interface FeatureExampleLists {
  offsets: Uint32Array<ArrayBuffer>;
  /** sequence · seqLen + position, into FeatureDashboards.windowTokens. */
  token: Uint32Array<ArrayBuffer>;
  activation: Float32Array<ArrayBuffer>;
}

/**
 * What the pass and the weight views found, compact: typed arrays per feature, the window
 * tokens read once, and each distinct token's string once. The page only indexes into them.
 */
export interface FeatureDashboards {
  /** The dictionary's label (untrusted when loaded: render as text). */
  label: string;
  model: string;
  source: string;
  kind: DictionaryKind;
  hookName: string;
  hookNameOut: string;
  dSae: number;
  seqLen: number;
  windows: number;
  prependBos: boolean;
  tokensRead: number;
  tokensCounted: number;
  excludedTokens: number[];
  seed: number;
  count: Uint32Array<ArrayBuffer>;
  density: Float32Array<ArrayBuffer>;
  max: Float32Array<ArrayBuffer>;
  min: Float32Array<ArrayBuffer>;
  mean: Float32Array<ArrayBuffer>;
  /** Every feature by density, and by max activation, descending (ties: lower index first). */
  orderByDensity: Uint32Array<ArrayBuffer>;
  orderByMax: Uint32Array<ArrayBuffer>;
  /** Per feature 50 linear bins over [min, max] (histogramRange), then 50 log bins over it. */
  histograms: Uint32Array<ArrayBuffer>;
  histogramBins: number;
  top: FeatureExampleLists;
  /** INTERVAL_BINS lists per feature: list f · bins + b is bin b of feature f. */
  intervals: FeatureExampleLists;
  intervalBins: number;
  /** Every window read, row-major [windows, seqLen]. */
  windowTokens: Uint32Array<ArrayBuffer>;
  /** Distinct token ids and their decoded strings (untrusted: render as text). */
  strings: { tokens: number[]; text: string[] };
  /** All features' log10 density: counts in equal bins over [lo, hi]; dead ones apart. */
  densityHistogram: DensityHistogramBins;
  /** Density above which a feature is called dense. */
  denseThreshold: number;
  logitsRaw?: FeatureExtremes;
  logitsLn?: FeatureExtremes;
  /** Transcoders only. */
  deembedding?: FeatureExtremes;
  /** top: nearest by decoder cosine (index = feature). */
  neighbors?: FeatureExtremes;
  /**
   * The logits and de-embedding over only the tokens the corpus holds, when some of the
   * vocabulary's are absent (`absent` of them); for the built-in model its training slice (the
   * tokens it saw: the others' unembeddings are all alike and fill the lists), hidden by default.
   */
  inCorpus?: {
    absent: number;
    hideByDefault: boolean;
    /** Counted over the corpus's training slice (the built-in model), else all of it. */
    trainingSlice: boolean;
    logitsRaw: FeatureExtremes;
    logitsLn: FeatureExtremes;
    deembedding?: FeatureExtremes;
  };
  /** Why the weight views are missing, when they are. */
  viewsNote?: string;
  /** Seconds the pass and the views took. */
  seconds: number;
}

export type FromWorkerFeatures =
  | { type: "features-progress"; requestId: string; done: number; total: number; label: string }
  | { type: "features-ready"; requestId: string; dashboards: FeatureDashboards }
  | { type: "features-error"; requestId: string; message: string }
  | { type: "features-export-ready"; requestId: string; fileName: string; bytes: ArrayBuffer }
  | ({ type: "prompt-result" } & PromptResult)
  | { type: "prompt-error"; requestId: string; message: string }
  | { type: "feature-window-ready"; requestId: string; values: Float32Array<ArrayBuffer> }
  | { type: "feature-window-error"; requestId: string; message: string }
  | { type: "match-progress"; requestId: string; done: number; total: number; label: string }
  | { type: "match-ready"; requestId: string; result: FeatureMatchResult }
  | { type: "match-error"; requestId: string; message: string };
