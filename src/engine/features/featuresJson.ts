/** features.json: what the inspector shows per feature (schema in the README). */
import type { DictionarySpec } from "../dictionary/spec.ts";
import type { FeatureExample, FeatureStats } from "./featureStats.ts";
import {
  BUFFER_AFTER,
  BUFFER_BEFORE,
  HISTOGRAM_BINS,
  histogramRange,
  INTERVAL_BINS,
  INTERVAL_SAMPLES,
  TOP_EXAMPLES,
} from "./featureStats.ts";
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
  /** Empty (no edges, no counts) for a feature that never fired, as SAEDashboard's. */
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

/** How each figure is defined: SAEDashboard's definitions unless differences_from_saedashboard says. */
export const DEFINITIONS = {
  decoder_norms:
    "folded in before everything, as SAEDashboard's fold_W_dec_norm: activations are " +
    "f·‖W_dec[f]‖ and decoder rows unit-norm (ReLU, JumpReLU: SAELens's fold, thresholds " +
    "scaled by the norms too)",
  density:
    "frac_nonzero: tokens where the feature fired (> 0) over all tokens read " +
    "(tokens_read); excluded tokens count as not firing",
  max_activation: "the largest activation over the counted tokens",
  mean_activation: "the mean activation over the tokens where the feature fired",
  histogram:
    `${HISTOGRAM_BINS} equal bins over [min, max] of the firing activations (torch.histc: ` +
    "bin floor((v − min)·50/(max − min)), max in the last; one distinct value v is binned " +
    "over [v − 1, v + 1]); empty for a feature that never fired",
  log_histogram: `${HISTOGRAM_BINS} log-spaced bins over [min, max] of the firing activations`,
  top_examples:
    `the ${TOP_EXAMPLES} largest activations (flat top-k, ties to the earlier token) at ` +
    `positions [${BUFFER_BEFORE + 1}, context_size − ${BUFFER_AFTER}) of each window, ` +
    `SAEDashboard's buffer (${BUFFER_BEFORE}, ${BUFFER_AFTER})`,
  interval_examples:
    `${INTERVAL_BINS} equal-width bins over (0, max_activation], up to ${INTERVAL_SAMPLES} ` +
    "examples each from the same positions as top_examples",
  top_logits: "W_dec[f] @ W_U (unit W_dec rows), the model's W_U as loaded",
};

/** Where these dashboards deliberately differ from SAEDashboard's, and why. */
export const DIFFERENCES_FROM_SAEDASHBOARD = [
  "top_examples and interval_examples only hold tokens where the feature fired: " +
    "SAEDashboard's top-k fills up with zero activations when fewer than 20 tokens fire, and " +
    "its lowest interval [0, max/10] includes tokens that did not fire.",
  "interval_examples are picked by a seeded hash reservoir (the same seed gives the same " +
    "picks, whatever the GPU's chunking) rather than random.sample, from half-open bins " +
    "[lo, hi) (the last closed) rather than closed ones that share their edges.",
  "windows shorter than 12 tokens leave no position inside the (5, 5) buffer; there every " +
    "position is eligible (SAEDashboard's top-k over the empty slice fails).",
  "TopK dictionaries: SAELens refuses to fold decoder norms into a TopK that does not " +
    "rescale by them (it would change which k are chosen); here the selection is the " +
    "dictionary's own and the activations after it are multiplied by ‖W_dec[f]‖.",
  "top_deembedding / bottom_deembedding use LN(W_E[t]) (LayerNorm without gain or bias) @ " +
    "W_enc[:, f], what the MLP's input holds when the residual stream is the token's " +
    "embedding; transcoder_circuits ranks the raw W_E[t] @ W_enc[:, f], and the per-token " +
    "1/σ can reorder tokens.",
  "log_histogram, top_logits_ln / bottom_logits_ln and neighbors (decoder cosine over the " +
    "whole dictionary) are additions; SAEDashboard's feature tables (correlated neurons and " +
    "features) are not computed.",
];

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
  const empty = { bin_edges: [], counts: [] };
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
    const min = stats.min[f]!;
    features.push({
      index: f,
      count,
      density: stats.tokensRead > 0 ? count / stats.tokensRead : 0,
      max_activation: max,
      mean_activation: count > 0 ? stats.sum[f]! / count : 0,
      histogram:
        count > 0
          ? { bin_edges: edges(...histogramRange(min, max), false), counts: counts(f, 0) }
          : empty,
      log_histogram:
        count > 0 ? { bin_edges: edges(min, max, true), counts: counts(f, HISTOGRAM_BINS) } : empty,
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
      tokens_read: stats.tokensRead,
      tokens_counted: stats.tokens,
      definitions: DEFINITIONS,
      differences_from_saedashboard: DIFFERENCES_FROM_SAEDASHBOARD,
    },
    features,
  };
}
