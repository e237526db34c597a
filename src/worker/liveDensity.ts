/**
 * Feature density while training. The trainer reads each dictionary's firing counts once per
 * density window (set to the logging period, so only on logging steps) as log10 densities over
 * the window (SAELens's feature_sparsity). This turns each window into what the page shows (the
 * values as a Float32Array and the histogram of them, binned here, off the main thread) and
 * adds the windows up, so that the sparsity saved with the weights still covers the whole run
 * (after a resume: from the window the run resumed in), not only its last window.
 */
import type { DensityHistogramBins, LiveDensityEntry } from "./protocol.ts";

/** A feature firing on more than this share of tokens is called dense (as the dashboards). */
export const LIVE_DENSE_THRESHOLD = 0.1;
const BINS = 40;
/** log10 density of a feature that never fired in its window (SAELens's + 1e-10). */
const NEVER = -10;
const EPSILON = 1e-10;

/** log10 densities binned over [floor(log10(1 / tokens)), 0]; dead and dense counted apart. */
export function densityHistogram(
  log10: ArrayLike<number>,
  tokens: number,
  denseThreshold = LIVE_DENSE_THRESHOLD,
  bins = BINS,
): DensityHistogramBins {
  const lo = Math.min(-1, Math.floor(Math.log10(1 / Math.max(1, tokens))));
  const hi = 0;
  const counts = new Array<number>(bins).fill(0);
  const denseLog = Math.log10(denseThreshold);
  let dead = 0;
  let dense = 0;
  for (let f = 0; f < log10.length; f++) {
    const d = log10[f]!;
    if (!(d > NEVER + 1e-6)) {
      dead++;
      continue;
    }
    if (d > denseLog) dense++;
    const b = Math.floor(((d - lo) / (hi - lo)) * bins);
    counts[Math.max(0, Math.min(bins - 1, b))]!++;
  }
  return { lo, hi, counts, dead, dense };
}

export class LiveDensity {
  private readonly fires = new Map<string, Float64Array>();
  private tokens = 0;
  /** The last step the windows read so far cover (1-based step numbers). */
  private coveredUpTo: number;

  constructor(
    private readonly batchSize: number,
    private readonly window: number,
    /** Steps done when this session started (a resumed run's checkpoint). */
    startStep: number,
  ) {
    const lastRead = Math.floor(startStep / window) * window;
    this.coveredUpTo = lastRead >= window ? lastRead - 1 : 0;
  }

  /**
   * The windows read at step `step` (each dictionary's, before that step ran): what to post,
   * and added to the run's totals.
   */
  take(
    step: number,
    entries: { dictionary: string; log10: readonly number[] }[],
  ): { windowTokens: number; entries: LiveDensityEntry[] } {
    const windowTokens = Math.max(1, step - 1 - this.coveredUpTo) * this.batchSize;
    this.coveredUpTo = step - 1;
    this.tokens += windowTokens;
    const out = entries.map(({ dictionary, log10 }) => {
      this.add(dictionary, log10, windowTokens);
      return {
        dictionary,
        log10: Float32Array.from(log10),
        histogram: densityHistogram(log10, windowTokens),
      };
    });
    return { windowTokens, entries: out };
  }

  /**
   * log10 density over every window since the session started, given the last (partial) one
   * read at the end of step `lastStep`; the same formula as the trainer's.
   */
  merged(dictionary: string, last: readonly number[], lastStep: number): Float32Array<ArrayBuffer> {
    const lastTokens = Math.max(1, lastStep - this.coveredUpTo) * this.batchSize;
    const fires = this.fires.get(dictionary);
    if (!fires || this.tokens === 0) return Float32Array.from(last);
    const tokens = this.tokens + lastTokens;
    return Float32Array.from(last, (d, f) => {
      const count = fires[f]! + Math.round(Math.max(0, 10 ** d - EPSILON) * lastTokens);
      return Math.log10(count / tokens + EPSILON);
    });
  }

  private add(dictionary: string, log10: readonly number[], tokens: number): void {
    let fires = this.fires.get(dictionary);
    if (!fires) {
      fires = new Float64Array(log10.length);
      this.fires.set(dictionary, fires);
    }
    for (let f = 0; f < log10.length; f++) {
      fires[f]! += Math.round(Math.max(0, 10 ** log10[f]! - EPSILON) * tokens);
    }
  }
}
