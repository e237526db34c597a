/** What a feature pass gathers per feature (the GPU pass and the float64 reference alike). */

/** Top examples per feature, at most EXAMPLES_PER_SEQUENCE from any one sequence. */
export const TOP_EXAMPLES = 20;
export const EXAMPLES_PER_SEQUENCE = 2;
export const HISTOGRAM_BINS = 50;
/** Equal-width bins over (0, max] for interval samples, and samples per bin. */
export const INTERVAL_BINS = 10;
export const INTERVAL_SAMPLES = 5;

export interface FeatureExample {
  sequence: number;
  position: number;
  activation: number;
}

export interface FeatureStats {
  dSae: number;
  /** Tokens that count (read minus excluded special tokens): the densities' denominator. */
  tokens: number;
  /** Per feature: tokens where it fired (> 0). */
  count: Uint32Array;
  /** Per feature, over firing tokens; 0 where it never fired. */
  sum: Float64Array;
  max: Float64Array;
  min: Float64Array;
  /**
   * Per feature, HISTOGRAM_BINS counts of firing values in equal bins over [0, max] (bin
   * floor(v / max · BINS), the last closed), then HISTOGRAM_BINS in log-spaced bins over
   * [min, max] (floor((ln v − ln min) / (ln max − ln min) · BINS)).
   */
  histograms: Uint32Array;
  /** Per feature, best first: value descending, then (sequence, position). */
  top: FeatureExample[][];
  /**
   * Per feature, INTERVAL_BINS lists: bin b holds values in [b, b + 1) · max / INTERVAL_BINS
   * (the last closed, the first open at 0), up to INTERVAL_SAMPLES picked by a seeded reservoir
   * (the lowest hash priorities of (seed, feature, token)), in priority order.
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
