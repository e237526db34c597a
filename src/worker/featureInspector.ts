/**
 * Feature dashboards in the worker: runs FeatureStatsPass over the first N tokens of the
 * built-in corpus's held-out slice (whole windows of the run context) for a trained run's or a
 * loaded dictionary, then the weight views (logits, de-embeddings, neighbours) when the model's
 * host weights are at hand, and posts the result in a compact form (typed arrays per feature,
 * each distinct token's string once). The last result is kept to write features.json on export.
 */
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { INTERVAL_BINS, TOP_EXAMPLES, type FeatureStats } from "../engine/features/featureStats.ts";
import { FeatureStatsPass } from "../engine/features/featureStatsPass.ts";
import { featuresJson } from "../engine/features/featuresJson.ts";
import { corpusWindows, type FeatureWindows } from "../engine/features/featureWindows.ts";
import type { RowExtremes } from "../engine/features/gpuTopkProduct.ts";
import { corpusVocabulary } from "../engine/features/corpusVocabulary.ts";
import { weightViews, type TokenViews, type WeightViews } from "../engine/features/weightViews.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import type { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { GPT2_SPECIAL_TOKENS, type TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { decodeTokens } from "../engine/text/tokenizer.ts";
import type {
  FeatureDashboards,
  FeatureDictionaryRef,
  FeatureExampleLists,
  FeatureExtremes,
  FromWorkerFeatures,
  ToWorkerFeatures,
} from "./protocol.ts";
import { runContextSize } from "./streamRun.ts";

/** Tokens read by default: small on a software adapter (~100x slower), more on a GPU. */
export const DEFAULT_FEATURE_TOKENS = { software: 4096, gpu: 65536 } as const;
/** Context either side of an example in the exported features.json (as `npm run features`). */
const EXPORT_CONTEXT = 5;
const SEED = 0;
/** A feature firing on more than this share of tokens is called dense. */
const DENSE_THRESHOLD = 0.1;
const DENSITY_BINS = 40;
const REPORT_EVERY_MS = 100;

export interface FeatureInspectorDeps {
  device: () => Promise<GPUDevice>;
  shaders: ShaderLibrary;
  corpus: () => Promise<TokenCorpus>;
  /** The model in use, on the GPU, with its name; refuses when it cannot be used now. */
  model: () => Promise<{ gpu: GpuGpt2; name: string; builtin: boolean }>;
  /** The model's host weights for the weight views; undefined skips them. */
  hostWeights: () => Promise<Gpt2Weights | undefined>;
  dictionary: (
    ref: FeatureDictionaryRef,
  ) => Promise<{ spec: DictionarySpec; params: DictionaryParams; label: string }>;
  /** Why the GPU cannot be used for this now (a run in progress), or undefined. */
  busy: () => string | undefined;
  post: (m: FromWorkerFeatures, transfer?: Transferable[]) => void;
}

interface LastResult {
  requestId: string;
  spec: DictionarySpec;
  windows: FeatureWindows;
  stats: FeatureStats;
  views?: WeightViews;
  info: Parameters<typeof featuresJson>[0];
}

/**
 * The first windows of the built-in corpus's held-out slice covering about `tokens` tokens, in
 * the run context. The built-in model reads windows as it was trained on them (no BOS); a loaded
 * checkpoint as its dictionaries say, else as SAELens does (with BOS).
 */
export function heldOutWindows(
  corpus: TokenCorpus,
  model: { gpu: GpuGpt2; builtin: boolean },
  specs: DictionarySpec[],
  tokens: number,
): FeatureWindows & { prependBos: boolean } {
  const seqLen = runContextSize(model.gpu.config);
  const prependBos = specs.some((s) => s.prependBos ?? !model.builtin);
  const body = seqLen - (prependBos ? 1 : 0);
  const slice = corpus.heldOut;
  const available = Math.floor((slice.end - slice.start) / body);
  const count = Math.max(1, Math.min(available, Math.floor(tokens / seqLen)));
  return { ...corpusWindows(corpus, slice, seqLen, prependBos, count), prependBos };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The token views over the corpus's tokens only, with how many were left out. */
type InCorpusViews = TokenViews & {
  absent: number;
  hideByDefault: boolean;
  trainingSlice: boolean;
};

export class FeatureInspector {
  private running: { requestId: string; controller: AbortController } | undefined;
  private last: LastResult | undefined;
  private vocab:
    | { corpus: TokenCorpus; size: number; train: boolean; v: ReturnType<typeof corpusVocabulary> }
    | undefined;

  /**
   * The tokens the corpus holds (counted once per corpus, vocabulary size and slice): its
   * training slice for the built-in model (the tokens it saw in training), all of it otherwise.
   */
  private vocabulary(corpus: TokenCorpus, size: number, train: boolean) {
    const v = this.vocab;
    if (v?.corpus !== corpus || v.size !== size || v.train !== train) {
      const tokens = train
        ? corpus.tokens.subarray(corpus.train.start, corpus.train.end)
        : corpus.tokens;
      this.vocab = { corpus, size, train, v: corpusVocabulary({ tokens }, size) };
    }
    return this.vocab!.v;
  }

  constructor(private readonly deps: FeatureInspectorDeps) {}

  /** A pass is in flight (training must wait: they share the model's buffers). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  handle(m: ToWorkerFeatures): void {
    switch (m.type) {
      case "inspect-features":
        void this.inspect(m.requestId, m.dictionary, m.tokens, m.weightViews ?? true);
        break;
      case "cancel-features":
        if (this.running?.requestId === m.requestId) this.running.controller.abort();
        break;
      case "export-features":
        this.export(m.requestId, m.fileName);
        break;
    }
  }

  private async inspect(
    requestId: string,
    ref: FeatureDictionaryRef,
    tokens: number,
    withViews: boolean,
  ): Promise<void> {
    const fail = (message: string) =>
      this.deps.post({ type: "features-error", requestId, message });
    if (this.running) return fail("a feature pass is already running; cancel it first");
    const busy = this.deps.busy();
    if (busy) return fail(busy);
    const controller = new AbortController();
    const { signal } = controller;
    this.running = { requestId, controller };
    let lastReport = -Infinity;
    const progress = (done: number, total: number, label: string) => {
      const now = performance.now();
      if (now - lastReport < REPORT_EVERY_MS && done < total) return;
      lastReport = now;
      this.deps.post({ type: "features-progress", requestId, done, total, label });
    };
    try {
      const started = performance.now();
      const [device, corpus, model, dict] = await Promise.all([
        this.deps.device(),
        this.deps.corpus(),
        this.deps.model(),
        this.deps.dictionary(ref),
      ]);
      const mismatch = dictionaryMismatch(dict.spec, model.gpu.config, model.name);
      if (mismatch) throw new Error(`${dict.label} cannot run on this model: ${mismatch}`);
      const windows = heldOutWindows(corpus, model, [dict.spec], tokens);
      const { seqLen, prependBos } = windows;
      const pass = new FeatureStatsPass(
        device,
        this.deps.shaders,
        model.gpu,
        dict.spec,
        dict.params,
      );
      let stats: FeatureStats;
      try {
        stats = await pass.run(windows, {
          seed: SEED,
          excludeTokens: GPT2_SPECIAL_TOKENS,
          signal,
          onProgress: (done, total) => progress(done, total, "Reading tokens (two reads)"),
        });
      } finally {
        pass.destroy();
      }
      signal.throwIfAborted();
      const host = withViews ? await this.deps.hostWeights() : undefined;
      let views: WeightViews | undefined;
      let inCorpus: InCorpusViews | undefined;
      let viewsNote: string | undefined;
      if (host) {
        const vocab = this.vocabulary(corpus, host.config.vocabSize, model.builtin);
        const steps = dict.spec.kind === "transcoder" ? 4 : 3;
        let step = 0;
        const all = await weightViews(device, this.deps.shaders, host, dict.spec, dict.params, {
          signal,
          keep: vocab.absent > 0 ? vocab.present : undefined,
          onProgress: (view) => progress(step++, steps, `Weight views: ${view}`),
        });
        const { kept, ...rest } = all;
        views = rest;
        if (kept) {
          inCorpus = {
            ...kept,
            absent: vocab.absent,
            hideByDefault: model.builtin,
            trainingSlice: model.builtin,
          };
        }
      } else if (!withViews) {
        viewsNote = "Logits, de-embeddings and neighbours were not asked for (Weight views).";
      } else {
        viewsNote =
          "Logits, de-embeddings and neighbours are skipped for a loaded checkpoint: its host " +
          "weights are not kept in memory (npm run features computes them).";
      }
      signal.throwIfAborted();
      const info = {
        model: model.name,
        dictionary: dict.label,
        source: `${corpus.name} held-out slice`,
        context_size: seqLen,
        prepend_bos: prependBos,
        excluded_tokens: [...GPT2_SPECIAL_TOKENS],
        seed: SEED,
      };
      const dashboards = compact(
        dict.label,
        info,
        dict.spec,
        windows,
        stats,
        views,
        inCorpus,
        viewsNote,
        (performance.now() - started) / 1000,
      );
      this.last = { requestId, spec: dict.spec, windows, stats, views, info };
      this.deps.post({ type: "features-ready", requestId, dashboards }, transferables(dashboards));
    } catch (err) {
      if (!signal.aborted) fail(messageOf(err));
    } finally {
      if (this.running?.requestId === requestId) this.running = undefined;
    }
  }

  private export(requestId: string, fileName: string): void {
    const last = this.last;
    if (last?.requestId !== requestId) {
      this.deps.post({
        type: "features-error",
        requestId,
        message: "these dashboards are no longer held by the engine; run them again",
      });
      return;
    }
    const empty = { top: [], bottom: [] };
    const none = Array.from({ length: last.spec.dSae }, () => empty);
    const views = last.views ?? { logitsRaw: none, logitsLn: none, neighbors: none };
    const json = featuresJson(last.info, last.spec, last.windows, last.stats, views, {
      topExamples: TOP_EXAMPLES,
      context: EXPORT_CONTEXT,
      decode: (t) => decodeTokens([t]),
    });
    const bytes = new TextEncoder().encode(JSON.stringify(json) + "\n").buffer;
    this.deps.post({ type: "features-export-ready", requestId, fileName, bytes }, [bytes]);
  }
}

function extremes(rows: RowExtremes[] | undefined, k: number): FeatureExtremes | undefined {
  if (!rows) return undefined;
  const n = rows.length;
  const out: FeatureExtremes = {
    k,
    topIndex: new Uint32Array(n * k),
    topValue: new Float32Array(n * k).fill(NaN),
    bottomIndex: new Uint32Array(n * k),
    bottomValue: new Float32Array(n * k).fill(NaN),
  };
  rows.forEach((r, f) => {
    r.top.slice(0, k).forEach((e, i) => {
      out.topIndex[f * k + i] = e.index;
      out.topValue[f * k + i] = e.value;
    });
    r.bottom.slice(0, k).forEach((e, i) => {
      out.bottomIndex[f * k + i] = e.index;
      out.bottomValue[f * k + i] = e.value;
    });
  });
  return out;
}

function exampleLists(
  lists: readonly { sequence: number; position: number; activation: number }[][],
  seqLen: number,
): FeatureExampleLists {
  const offsets = new Uint32Array(lists.length + 1);
  lists.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l.length));
  const total = offsets[lists.length]!;
  const token = new Uint32Array(total);
  const activation = new Float32Array(total);
  let o = 0;
  for (const l of lists) {
    for (const e of l) {
      token[o] = e.sequence * seqLen + e.position;
      activation[o++] = e.activation;
    }
  }
  return { offsets, token, activation };
}

function compact(
  label: string,
  info: {
    model: string;
    source: string;
    prepend_bos: boolean;
    excluded_tokens: number[];
    seed: number;
  },
  spec: DictionarySpec,
  windows: FeatureWindows,
  stats: FeatureStats,
  views: WeightViews | undefined,
  inCorpusViews: InCorpusViews | undefined,
  viewsNote: string | undefined,
  seconds: number,
): FeatureDashboards {
  const n = spec.dSae;
  const density = new Float32Array(n);
  const mean = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    const c = stats.count[f]!;
    density[f] = stats.tokensRead > 0 ? c / stats.tokensRead : 0;
    mean[f] = c > 0 ? stats.sum[f]! / c : 0;
  }
  // log10 density of the live features, over [log10(1 / tokens read), 0].
  const lo = stats.tokensRead > 0 ? Math.floor(Math.log10(1 / stats.tokensRead)) : -6;
  const hi = 0;
  const counts = new Array<number>(DENSITY_BINS).fill(0);
  let dead = 0;
  let dense = 0;
  for (let f = 0; f < n; f++) {
    const d = density[f]!;
    if (d <= 0) {
      dead++;
      continue;
    }
    if (d > DENSE_THRESHOLD) dense++;
    const b = Math.floor(((Math.log10(d) - lo) / (hi - lo)) * DENSITY_BINS);
    counts[Math.max(0, Math.min(DENSITY_BINS - 1, b))]!++;
  }
  const max = Float32Array.from(stats.max);
  const windowTokens = windows.read(0, windows.count);
  const k = views?.logitsRaw[0]?.top.length ?? 0;
  const logitsRaw = extremes(views?.logitsRaw, k);
  const logitsLn = extremes(views?.logitsLn, k);
  const deembedding = extremes(views?.deembedding, k);
  const neighbors = extremes(views?.neighbors, views?.neighbors[0]?.top.length ?? 0);
  const inCorpus = inCorpusViews && {
    absent: inCorpusViews.absent,
    hideByDefault: inCorpusViews.hideByDefault,
    trainingSlice: inCorpusViews.trainingSlice,
    logitsRaw: extremes(inCorpusViews.logitsRaw, k)!,
    logitsLn: extremes(inCorpusViews.logitsLn, k)!,
    deembedding: extremes(inCorpusViews.deembedding, k),
  };
  const distinct = new Set<number>(windowTokens);
  const corpusOnly = inCorpus ? [inCorpus.logitsRaw, inCorpus.logitsLn, inCorpus.deembedding] : [];
  for (const e of [logitsRaw, logitsLn, deembedding, ...corpusOnly]) {
    if (!e) continue;
    for (const t of e.topIndex) distinct.add(t);
    for (const t of e.bottomIndex) distinct.add(t);
  }
  const tokenIds = [...distinct].sort((a, b) => a - b);
  return {
    label,
    model: info.model,
    source: info.source,
    kind: spec.kind,
    hookName: spec.hookName,
    hookNameOut: spec.hookNameOut,
    dSae: n,
    seqLen: windows.seqLen,
    windows: windows.count,
    prependBos: info.prepend_bos,
    tokensRead: windows.count * windows.seqLen,
    tokensCounted: stats.tokens,
    excludedTokens: info.excluded_tokens,
    seed: info.seed,
    count: stats.count as Uint32Array<ArrayBuffer>,
    density,
    max,
    min: Float32Array.from(stats.min),
    mean,
    orderByDensity: descending(density),
    orderByMax: descending(max),
    histograms: stats.histograms as Uint32Array<ArrayBuffer>,
    histogramBins: stats.histograms.length / Math.max(1, n) / 2,
    top: exampleLists(stats.top, windows.seqLen),
    intervals: exampleLists(stats.intervals.flat(), windows.seqLen),
    intervalBins: INTERVAL_BINS,
    windowTokens: windowTokens as Uint32Array<ArrayBuffer>,
    strings: { tokens: tokenIds, text: tokenIds.map((t) => decodeTokens([t])) },
    densityHistogram: { lo, hi, counts, dead, dense },
    denseThreshold: DENSE_THRESHOLD,
    logitsRaw,
    logitsLn,
    deembedding,
    neighbors,
    inCorpus,
    viewsNote,
    seconds,
  };
}

/** Feature indices by value, descending, ties by index (sorted here, not on the page). */
function descending(values: Float32Array): Uint32Array<ArrayBuffer> {
  return Uint32Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => values[b]! - values[a]! || a - b,
  );
}

/** The result's typed arrays that can move (the stats kept for export are copied first). */
function transferables(d: FeatureDashboards): Transferable[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: { buffer: ArrayBuffer } | undefined) => a && out.add(a.buffer);
  for (const a of [d.density, d.max, d.min, d.mean, d.windowTokens]) add(a);
  for (const a of [d.orderByDensity, d.orderByMax]) add(a);
  for (const l of [d.top, d.intervals]) [l.offsets, l.token, l.activation].forEach(add);
  const c = d.inCorpus;
  for (const e of [
    d.logitsRaw,
    d.logitsLn,
    d.deembedding,
    d.neighbors,
    c?.logitsRaw,
    c?.logitsLn,
    c?.deembedding,
  ]) {
    if (e) [e.topIndex, e.topValue, e.bottomIndex, e.bottomValue].forEach(add);
  }
  return [...out];
}
