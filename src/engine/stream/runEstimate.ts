/**
 * The cost of a run before it starts: the GPU buffers it allocates (the engine's own layout,
 * micro-batch plan and buffer sizes), their total against the adapter's limits, the FLOPs of a
 * training step, and the seconds those take at the adapter's measured throughput. Pure: the
 * page shows it under the settings, the worker's own check refuses what cannot fit.
 */
import { allocatedBytes } from "../gpu/kernel.ts";
import { paramLayout, type ParamLayout } from "../dictionary/layout.ts";
import type { DictionaryKind } from "../dictionary/spec.ts";
import {
  architectureOptions,
  matryoshkaWidthsOf,
  readsK,
  thresholdStorage,
  type ArchitectureName,
  type ArchitectureOptions,
} from "../train/architecture.ts";
import {
  auxCapacity,
  GRAD_NORM_SLICES,
  metricSpan,
  planMicroBatches,
  rowCapacity,
  STAGING_FLOATS,
  type MicroBatching,
} from "../train/dictionaryBuffers.ts";

/** One dictionary of the expanded run (a pair, a sweep or every layer). */
export interface EstimateDictionary {
  /** Names its buffers, e.g. "sae" or "transcoder.L3.k16". */
  id: string;
  kind: DictionaryKind;
  /** The site it reads (a transcoder reads two: ln2.hook_normalized and hook_mlp_out). */
  layer: number;
  /** An SAE's hook, e.g. blocks.3.hook_mlp_out (absent: its layer's hook_resid_pre). */
  hook?: string;
  dIn: number;
  dSae: number;
  dOut: number;
  architecture: ArchitectureName;
  k?: number;
  /** matryoshka_batchtopk (absent: the default ladder). */
  matryoshkaWidths?: number[];
  skip?: boolean;
}

export interface EstimateModel {
  nLayer: number;
  dModel: number;
  dMlp: number;
  nHead: number;
  vocabSize: number;
  nCtx: number;
}

export interface AdapterLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** Memory the adapter can use, where known (a software adapter's is the machine's). */
  memoryBytes?: number;
  /** How memoryBytes was guessed, for the refusal ("half this machine's 16 GB"). */
  memoryBasis?: string;
}

export interface RunEstimateInput {
  dictionaries: readonly EstimateDictionary[];
  batchSize: number;
  steps: number;
  model: EstimateModel;
  /** Tokens per sequence streamed, and sequences per forward pass (the store's refill unit). */
  contextSize: number;
  seqsPerForward: number;
  /** SAELens n_batches_in_buffer as the run sets it. */
  bufferBatches: number;
  /** Tokens the model runs over before training to estimate the normalization scales. */
  normTokens?: number;
  /** The evaluation at the end: held-out sequences per dictionary. */
  evalSequences: number;
  /** Share of the training time the live ce_loss_score takes (about 0.1 by default)... */
  liveEvalShare: number;
  /** ...but at least this many held-out sequences per dictionary over the run (its fewest points). */
  liveEvalSequences?: number;
  limits: AdapterLimits;
  /** The adapter's measured dense-product throughput; undefined: no time estimate. */
  flopsPerSecond?: number;
}

export interface BufferEstimate {
  /** Whose: a dictionary id, "store" or "model". */
  owner: string;
  name: string;
  bytes: number;
  /** Bound whole in one binding (then maxStorageBufferBindingSize applies). */
  bound: boolean;
}

export interface RunEstimate {
  buffers: BufferEstimate[];
  totalBytes: number;
  largest: BufferEstimate;
  /** Why the run cannot run here, with the numbers; undefined when it fits. */
  refusal?: string;
  /** Per dictionary, how a step's batch is split (absent for a refused one). */
  splits: Record<string, MicroBatching>;
  /** Tokens the model runs over: the store's refills (whole halves) and the scales' sample. */
  modelTokens: number;
  /** The model's FLOPs over the run, per training step. */
  modelFlopsPerStep: number;
  dictionaryFlopsPerStep: number;
  flopsPerStep: number;
  evalFlops: number;
  /** Training (with the live evaluations) and the final evaluation; undefined without a throughput. */
  trainSeconds?: number;
  evalSeconds?: number;
  seconds?: number;
}

const F32 = 4;

/**
 * The share of the probe's throughput (its fastest dense product) a run achieves: its other
 * kernels (norms, attention's softmax, TopK selection, gathers) run slower per FLOP, and a run
 * pays checkpoints and read-backs. Measured on SwiftShader on a 2-core machine: runs took 1.2
 * to 2.0 times FLOPs / probe (the software defaults, the e2e's small run, d_sae 256 x 100 steps).
 */
export const ACHIEVED_SHARE = 0.6;

/** The architecture options the worker builds for a dictionary (SAELens's defaults otherwise). */
export function estimateArchitecture(d: EstimateDictionary): ArchitectureOptions {
  const topk = readsK({ architecture: d.architecture });
  return architectureOptions({
    architecture: d.architecture,
    ...(topk && d.k !== undefined ? { k: d.k } : {}),
    ...(d.matryoshkaWidths !== undefined ? { matryoshkaWidths: d.matryoshkaWidths } : {}),
  });
}

/**
 * The buffers allocateDictionaryBuffers makes for one dictionary, by label and size (its
 * test allocates them on a device and compares).
 */
export function dictionaryBufferSizes(
  kind: DictionaryKind,
  layout: ParamLayout,
  batchSize: number,
  a: ArchitectureOptions,
  split: MicroBatching = { count: 1, rows: batchSize },
): { name: string; bytes: number }[] {
  const B = split.rows;
  const { fp, dIn, dOut, dInP, dOutP } = layout;
  const whole = split.count > 1;
  const out: { name: string; bytes: number }[] = [];
  const add = (name: string, bytes: number) => out.push({ name, bytes: allocatedBytes(bytes) });
  add("dims", 16 * 4);
  add("x", B * dIn * F32);
  if (kind !== "sae") add("y", B * dOut * F32);
  if (whole) add("batchX", batchSize * dIn * F32);
  if (whole && kind !== "sae") add("batchY", batchSize * dOut * F32);
  add("grads", layout.total * F32);
  add("micro", 16);
  if (whole) add("microTable", 16 * split.count);
  if (a.architecture !== "standard") {
    add("deadMask", fp * 4);
    add("archState", 16);
    add("mark", B * fp * 4);
    add("colFired", fp * 4);
    add("auxList", B * auxCapacity(layout) * 4);
    add("auxCount", B * 4);
    add("gAux", B * dOutP * F32);
    add("batchState", (8 + 256) * 4);
    add("rowTies", B * 4);
    const widths = matryoshkaWidthsOf(a, layout.dSae);
    add("levelWidths", Math.max(1, widths.length) * 4);
    if (widths.length > 0) {
      add("levelResiduals", widths.length * B * dOutP * F32);
      add("innerSums", (widths.length - 1) * (B + 1) * F32);
      add("innerStaging", (widths.length - 1) * F32);
    }
  }
  add("stepParams", 8 * 4);
  add("params", layout.total * F32);
  if (whole) add("gradTotal", layout.total * F32);
  add("colStats", 2 * dOutP * F32);
  add("adamM", layout.total * F32);
  add("adamV", layout.total * F32);
  add("firing", 2 * fp * 4);
  add("xPrime", B * dInP * F32);
  add("pre", B * fp * F32);
  add("dPre", B * fp * F32);
  add("rowList", B * rowCapacity(layout, a) * 4);
  add("rowCount", B * 4);
  add("colList", fp * B * 4);
  add("colCount", fp * 4);
  add("colSumF", fp * F32);
  add("decoderNorms", fp * F32);
  add("residual", B * dOutP * F32);
  add("rowSums", 2 * B * F32);
  add("clip", 2 * F32);
  add("gradNormPartials", GRAD_NORM_SLICES * F32);
  add("metricPartials", 2 * metricSpan(layout, B) * 16);
  add("metrics", STAGING_FLOATS * F32);
  add("metricsStaging", STAGING_FLOATS * F32);
  add("densityStaging", fp * 4);
  return out;
}

/** The sites the activation store keeps for the dictionaries (as StreamSession names them). */
export function storeSites(dictionaries: readonly EstimateDictionary[]): string[] {
  const sites = new Set<string>();
  for (const d of dictionaries) {
    if (d.kind === "transcoder") {
      sites.add(`blocks.${d.layer}.ln2.hook_normalized`);
      sites.add(`blocks.${d.layer}.hook_mlp_out`);
    } else sites.add(d.hook ?? `blocks.${d.layer}.hook_resid_pre`);
  }
  return [...sites];
}

/** ActivationStore's buffers: two [capacity, d_model] per site and the permutation. */
export function storeBufferSizes(
  sites: number,
  dModel: number,
  batchSize: number,
  bufferBatches: number,
  rowsPerForward: number,
): { half: number; capacity: number; siteBytes: number; indexBytes: number } {
  const half = Math.max(1, Math.floor(bufferBatches / 2)) * rowsPerForward;
  const capacity = 2 * half + 2 * batchSize;
  return {
    half,
    capacity,
    siteBytes: allocatedBytes(capacity * dModel * F32),
    indexBytes: sites > 0 ? allocatedBytes(capacity * 4) : 0,
  };
}

/**
 * Rows the model produces for `steps` batches, as ActivationStore's rounds go (special tokens
 * aside): each refill adds `half` rows to those kept and serves floor(rows / (2 batch)) batches.
 */
export function storeTokens(steps: number, batchSize: number, half: number): number {
  let kept = 0;
  let served = 0;
  let generated = 0;
  while (served < steps) {
    const rows = kept + half;
    generated += half;
    const batches = Math.max(1, Math.floor(rows / (2 * batchSize)));
    kept = rows - batches * batchSize;
    served += batches;
  }
  return generated;
}

/** Parameters of a GPT-2 (embeddings, blocks, final norm). */
function modelParameters(m: EstimateModel): number {
  const d = m.dModel;
  const block = 4 * d + 3 * d * d + 3 * d + d * d + d + d * m.dMlp + m.dMlp + m.dMlp * d + d;
  return m.vocabSize * d + m.nCtx * d + m.nLayer * block + 2 * d;
}

/** FLOPs of one token through `layers` blocks (attention over `context` positions). */
function blockFlopsPerToken(m: EstimateModel, layers: number, context: number): number {
  const d = m.dModel;
  return layers * (2 * (4 * d * d + 2 * d * m.dMlp) + 2 * 2 * context * d);
}

/**
 * FLOPs of one training step of a dictionary on `B` rows: the encoder product and its weight
 * gradient over every latent, the decoder, its weight gradient and the latents' gradient over
 * the active latents (k per row for TopK and BatchTopK, every latent otherwise: a dense upper
 * bound, as early in training ReLU and JumpReLU fire widely), a skip product's three, and Adam.
 */
export function dictionaryStepFlops(d: EstimateDictionary, B: number): number {
  const a = estimateArchitecture(d);
  const active = readsK(a) ? a.k : d.dSae;
  const encoder = 2 * 2 * B * d.dIn * d.dSae;
  const decoder = 3 * 2 * B * Math.min(active, d.dSae) * d.dOut;
  const skip = d.kind === "transcoder" && d.skip ? 3 * 2 * B * d.dIn * d.dOut : 0;
  const params = d.dIn * d.dSae + d.dSae * d.dOut + d.dSae + d.dOut;
  return encoder + decoder + skip + 12 * params;
}

export function estimateRun(input: RunEstimateInput): RunEstimate {
  const { model, batchSize, limits } = input;
  const buffers: BufferEstimate[] = [];
  const splits: Record<string, MicroBatching> = {};
  const binding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  let refusal: string | undefined;
  for (const d of input.dictionaries) {
    const a = estimateArchitecture(d);
    const layout = paramLayout(
      { dIn: d.dIn, dSae: d.dSae, dOut: d.dOut, skip: d.kind === "transcoder" && d.skip === true },
      thresholdStorage(a),
    );
    let split: MicroBatching;
    try {
      split = planMicroBatches(binding, layout, batchSize, a);
    } catch (err) {
      refusal ??= `${d.id}: ${(err as Error).message}`;
      split = { count: 1, rows: batchSize };
    }
    splits[d.id] = split;
    for (const b of dictionaryBufferSizes(d.kind, layout, batchSize, a, split)) {
      buffers.push({ owner: d.id, name: b.name, bytes: b.bytes, bound: true });
    }
  }
  const sites = storeSites(input.dictionaries).length;
  const rowsPerForward = input.seqsPerForward * input.contextSize;
  const store = storeBufferSizes(
    sites,
    model.dModel,
    batchSize,
    input.bufferBatches,
    rowsPerForward,
  );
  for (let s = 0; s < sites; s++) {
    for (const i of [0, 1]) {
      buffers.push({
        owner: "store",
        name: `site ${s} (${i})`,
        bytes: store.siteBytes,
        bound: true,
      });
    }
  }
  buffers.push({ owner: "store", name: "permutation", bytes: store.indexBytes, bound: true });
  const rows = Math.max(input.contextSize, rowsPerForward);
  buffers.push({
    owner: "model",
    name: "weights",
    bytes: modelParameters(model) * F32,
    bound: false,
  });
  const d = model.dModel;
  buffers.push({
    owner: "model",
    name: "activations (≈)",
    bytes: rows * (8 * d + 2 * model.dMlp + model.nHead * input.contextSize) * F32,
    bound: false,
  });
  buffers.push({
    owner: "model",
    name: "logits (evaluation)",
    bytes: input.contextSize * model.vocabSize * F32,
    bound: true,
  });
  const totalBytes = buffers.reduce((s, b) => s + b.bytes, 0);
  const largest = buffers.reduce((m, b) => (b.bytes > m.bytes ? b : m));
  if (!refusal) {
    const over = buffers.find((b) => b.bytes > (b.bound ? binding : limits.maxBufferSize));
    if (over) {
      const limit = over.bound ? binding : limits.maxBufferSize;
      refusal =
        `${over.owner} ${over.name} needs ${formatBytes(over.bytes)}, over this adapter's ` +
        `${formatBytes(limit)} per buffer: use a smaller batch or fewer sites`;
    }
  }
  if (!refusal && limits.memoryBytes !== undefined && totalBytes > limits.memoryBytes) {
    refusal =
      `the run needs ≈ ${formatBytes(totalBytes)} of GPU memory (largest: ${largest.owner} ` +
      `${largest.name}, ${formatBytes(largest.bytes)}), over the ≈ ${formatBytes(limits.memoryBytes)} ` +
      `this adapter can use${limits.memoryBasis ? ` (${limits.memoryBasis})` : ""}: use a ` +
      `smaller batch or d_sae, or fewer dictionaries`;
  }
  const lastLayer = Math.max(0, ...input.dictionaries.map((x) => x.layer));
  const modelTokens = storeTokens(input.steps, batchSize, store.half) + (input.normTokens ?? 0);
  const modelFlopsPerStep =
    (modelTokens / Math.max(1, input.steps)) *
    blockFlopsPerToken(model, lastLayer + 1, input.contextSize);
  const dictionaryFlopsPerStep = input.dictionaries.reduce(
    (s, x) => s + dictionaryStepFlops(x, batchSize),
    0,
  );
  const flopsPerStep = modelFlopsPerStep + dictionaryFlopsPerStep;
  // Each dictionary's evaluation runs the model to the logits three times per window: clean,
  // with the dictionary spliced in, and with its site zero-ablated (splicedEval.ts).
  const fullPerToken =
    blockFlopsPerToken(model, model.nLayer, input.contextSize) + 2 * d * model.vocabSize;
  const sequenceFlops =
    input.contextSize *
    input.dictionaries.reduce((s, x) => s + 3 * fullPerToken + dictionaryStepFlops(x, 1) / 4, 0);
  const evalFlops = input.evalSequences * sequenceFlops;
  const liveEvalFlops = (input.liveEvalSequences ?? 0) * sequenceFlops;
  const estimate: RunEstimate = {
    buffers,
    totalBytes,
    largest,
    splits,
    modelTokens,
    modelFlopsPerStep,
    dictionaryFlopsPerStep,
    flopsPerStep,
    evalFlops,
    ...(refusal ? { refusal } : {}),
  };
  if (input.flopsPerSecond && input.flopsPerSecond > 0) {
    const rate = input.flopsPerSecond * ACHIEVED_SHARE;
    const training = (flopsPerStep * input.steps) / rate;
    const live = Math.max(input.liveEvalShare * training, liveEvalFlops / rate);
    const trainSeconds = training + live;
    const evalSeconds = evalFlops / rate;
    Object.assign(estimate, { trainSeconds, evalSeconds, seconds: trainSeconds + evalSeconds });
  }
  return estimate;
}

/** "412 MB", "64 KB", "3.1 GB" (decimal units, as people read sizes). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} bytes`;
}

/** "45 s", "3 min 20 s", "2 h 5 min", "3 days". */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
  if (s < 2 * 86400) {
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
  }
  return `${Math.round(s / 86400)} days`;
}
