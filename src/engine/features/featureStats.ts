/** What a feature pass gathers per feature (the GPU pass and the float64 reference alike). */

/** Top examples per feature: a flat top-k over the eligible positions, as SAEDashboard's. */
export const TOP_EXAMPLES = 20;
export const HISTOGRAM_BINS = 50;
/** Equal-width bins over (0, max] for interval samples, and samples per bin. */
export const INTERVAL_BINS = 10;
export const INTERVAL_SAMPLES = 5;
/**
 * SAEDashboard's SequencesConfig.buffer (5, 5): an example needs 5 tokens of context after it
 * and 5 plus one (the previous token, for its loss effect) before it, so top examples and
 * interval samples come from positions [6, seqLen − 5) of each window.
 */
export const BUFFER_BEFORE = 5;
export const BUFFER_AFTER = 5;

/**
 * Whether an example may sit at this position of a window. A window too short to leave any
 * position inside the buffer (under 12 tokens) allows every position: SAEDashboard has no
 * answer there (its top-k over an empty slice fails).
 */
export function exampleEligible(position: number, seqLen: number): boolean {
  const first = BUFFER_BEFORE + 1;
  const end = seqLen - BUFFER_AFTER;
  return end <= first || (position >= first && position < end);
}

/**
 * The activation histogram's range: [min, max] of the firing values, as SAEDashboard's
 * torch.histc over the nonzero activations; torch.histc widens an empty range to
 * [v − 1, v + 1], so a feature with one firing value has it in the middle bin.
 */
export function histogramRange(min: number, max: number): [number, number] {
  return min === max ? [min - 1, max + 1] : [min, max];
}

/** torch.histc's bin of v over [lo, hi], in f32 as torch computes it: (v − lo)·BINS/(hi − lo). */
export function histogramBin(v: number, lo: number, hi: number): number {
  const f = Math.fround;
  const [l, h] = [f(lo), f(hi)];
  const pos = Math.floor(f(f(f(v - l) * HISTOGRAM_BINS) / f(h - l)));
  return Math.min(Math.max(pos, 0), HISTOGRAM_BINS - 1);
}

export interface FeatureExample {
  sequence: number;
  position: number;
  activation: number;
}

export interface FeatureStats {
  dSae: number;
  /** Tokens read (windows · seqLen): the densities' denominator, SAEDashboard's frac_nonzero. */
  tokensRead: number;
  /** Tokens that count (read minus excluded special tokens, which count as not firing). */
  tokens: number;
  /** Per feature: tokens where it fired (> 0). */
  count: Uint32Array;
  /** Per feature, over firing tokens; 0 where it never fired. */
  sum: Float64Array;
  max: Float64Array;
  min: Float64Array;
  /**
   * Per feature, HISTOGRAM_BINS counts of firing values in equal bins over histogramRange(min,
   * max) (histogramBin, as torch.histc), then HISTOGRAM_BINS in log-spaced bins over [min, max]
   * (floor((ln v − ln min) / (ln max − ln min) · BINS), all in bin 0 when min = max).
   */
  histograms: Uint32Array;
  /**
   * Per feature, best first (value descending, then (sequence, position)), from firing tokens
   * at eligible positions (exampleEligible), any number from one sequence.
   */
  top: FeatureExample[][];
  /**
   * Per feature, INTERVAL_BINS lists: bin b holds values in [b, b + 1) · max / INTERVAL_BINS
   * (the last closed, the first open at 0), from firing tokens at eligible positions, up to
   * INTERVAL_SAMPLES picked by a seeded reservoir (the lowest hash priorities of (seed, feature,
   * token)), in priority order.
   */
  intervals: FeatureExample[][][];
}

/** lowbias32, as features_stats.wgsl hashes. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The reservoir priority of a (feature, token) pair; token = sequence · seqLen + position. */
export function samplePriority(seed: number, feature: number, token: number): number {
  return mix32((mix32((mix32(seed) ^ feature) >>> 0) ^ token) >>> 0);
}

/** The interval bin of a firing value. */
export function intervalBin(value: number, max: number): number {
  return Math.min(Math.floor((value / max) * INTERVAL_BINS), INTERVAL_BINS - 1);
}
