/** features.json: what the inspector shows per feature (schema in the README). */
import type { DictionarySpec } from "../dictionary/spec.ts";
import type { FeatureExample, FeatureStats } from "./featureStats.ts";
import { HISTOGRAM_BINS, INTERVAL_BINS } from "./featureStats.ts";
import type { FeatureWindows } from "./featureWindows.ts";
import type { IndexValue, RowExtremes } from "./gpuTopkProduct.ts";
import type { WeightViews } from "./weightViews.ts";

export interface FeaturesRunInfo {
  model: string;
  dictionary: string;
  source: string;
  context_size: number;
  prepend_bos: boolean;
  excluded_tokens: number[];
  seed: number;
}

export interface JsonExample {
  sequence: number;
  position: number;
  activation: number;
  /** Token ids of the sequence from position − context to position + context. */
  tokens: number[];
  token_strings: string[];
  /** Where `position` falls in `tokens`. */
  token_index: number;
}

export interface JsonFeature {
  index: number;
  count: number;
  density: number;
  max_activation: number;
  mean_activation: number;
  histogram: { bin_edges: number[]; counts: number[] };
  log_histogram: { bin_edges: number[]; counts: number[] };
  top_examples: JsonExample[];
  interval_examples: { lower: number; upper: number; examples: JsonExample[] }[];
  top_logits: { token: number; token_string: string; value: number }[];
  bottom_logits: { token: number; token_string: string; value: number }[];
  top_logits_ln: { token: number; token_string: string; value: number }[];
  bottom_logits_ln: { token: number; token_string: string; value: number }[];
  top_deembedding?: { token: number; token_string: string; value: number }[];
  bottom_deembedding?: { token: number; token_string: string; value: number }[];
  neighbors: { index: number; cosine: number }[];
}

export function featuresJson(
  info: FeaturesRunInfo,
  spec: DictionarySpec,
  windows: FeatureWindows,
  stats: FeatureStats,
  views: WeightViews,
  options: { topExamples: number; context: number; decode: (token: number) => string },
) {
  const { seqLen } = windows;
  const example = (e: FeatureExample): JsonExample => {
    const seq = windows.read(e.sequence, 1);
    const start = Math.max(0, e.position - options.context);
    const tokens = Array.from(
      seq.subarray(start, Math.min(seqLen, e.position + options.context + 1)),
    );
    return {
      sequence: e.sequence,
      position: e.position,
      activation: e.activation,
      tokens,
      token_strings: tokens.map(options.decode),
      token_index: e.position - start,
    };
  };
  const tokenValues = (list: IndexValue[]) =>
    list.map((e) => ({ token: e.index, token_string: options.decode(e.index), value: e.value }));
  const edges = (lo: number, hi: number, log: boolean) =>
    Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) =>
      log ? lo * (hi / lo) ** (i / HISTOGRAM_BINS) : lo + ((hi - lo) * i) / HISTOGRAM_BINS,
    );
  const counts = (f: number, offset: number) =>
    Array.from(
      stats.histograms.subarray(
        f * 2 * HISTOGRAM_BINS + offset,
        f * 2 * HISTOGRAM_BINS + offset + HISTOGRAM_BINS,
      ),
    );
  const logits = (views: RowExtremes[] | undefined, f: number, which: "top" | "bottom") =>
    views ? tokenValues(views[f]![which]) : undefined;
  const features: JsonFeature[] = [];
  for (let f = 0; f < spec.dSae; f++) {
    const count = stats.count[f]!;
    const max = stats.max[f]!;
    features.push({
      index: f,
      count,
      density: stats.tokens > 0 ? count / stats.tokens : 0,
      max_activation: max,
      mean_activation: count > 0 ? stats.sum[f]! / count : 0,
      histogram: { bin_edges: edges(0, max, false), counts: counts(f, 0) },
      log_histogram: {
        bin_edges: edges(stats.min[f]!, max, true),
        counts: counts(f, HISTOGRAM_BINS),
      },
      top_examples: stats.top[f]!.slice(0, options.topExamples).map(example),
      interval_examples: stats.intervals[f]!.map((bin, b) => ({
        lower: (max * b) / INTERVAL_BINS,
        upper: (max * (b + 1)) / INTERVAL_BINS,
        examples: bin.map(example),
      })),
      top_logits: logits(views.logitsRaw, f, "top")!,
      bottom_logits: logits(views.logitsRaw, f, "bottom")!,
      top_logits_ln: logits(views.logitsLn, f, "top")!,
      bottom_logits_ln: logits(views.logitsLn, f, "bottom")!,
      top_deembedding: logits(views.deembedding, f, "top"),
      bottom_deembedding: logits(views.deembedding, f, "bottom"),
      neighbors: views.neighbors[f]!.top.map((e) => ({ index: e.index, cosine: e.value })),
    });
  }
  return {
    metadata: {
      ...info,
      kind: spec.kind,
      hook_name: spec.hookName,
      hook_name_out: spec.hookNameOut,
      d_sae: spec.dSae,
      windows: windows.count,
      tokens_read: windows.count * seqLen,
      tokens_counted: stats.tokens,
    },
    features,
  };
}
