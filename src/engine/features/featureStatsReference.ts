/**
 * Float64 statistics of host latents [tokens, dSae] (rows = sequence · seqLen + position), by
 * the definitions in featureStats.ts: the reference FeatureStatsPass is tested against.
 */
import {
  exampleEligible,
  HISTOGRAM_BINS,
  histogramBin,
  histogramRange,
  INTERVAL_BINS,
  INTERVAL_SAMPLES,
  intervalBin,
  samplePriority,
  TOP_EXAMPLES,
  type FeatureExample,
  type FeatureStats,
} from "./featureStats.ts";

export function featureStatsReference(
  latents: ArrayLike<number>,
  tokens: ArrayLike<number>,
  dSae: number,
  seqLen: number,
  options: { seed: number; excludeTokens: readonly number[] },
): FeatureStats {
  const exclude = new Set(options.excludeTokens);
  const rows = tokens.length;
  const included: number[] = [];
  for (let r = 0; r < rows; r++) if (!exclude.has(tokens[r]!)) included.push(r);
  const out: FeatureStats = {
    dSae,
    tokensRead: rows,
    tokens: included.length,
    count: new Uint32Array(dSae),
    sum: new Float64Array(dSae),
    max: new Float64Array(dSae),
    min: new Float64Array(dSae),
    histograms: new Uint32Array(dSae * HISTOGRAM_BINS * 2),
    top: [],
    intervals: [],
  };
  const example = (r: number): FeatureExample => ({
    sequence: Math.floor(r / seqLen),
    position: r % seqLen,
    activation: 0,
  });
  for (let f = 0; f < dSae; f++) {
    const firing = included.map((r) => ({ r, v: latents[r * dSae + f]! })).filter((e) => e.v > 0);
    const values = firing.map((e) => e.v);
    const max = values.length ? Math.max(...values) : 0;
    const min = values.length ? Math.min(...values) : 0;
    out.count[f] = firing.length;
    out.sum[f] = values.reduce((a, b) => a + b, 0);
    out.max[f] = max;
    out.min[f] = min;
    const h = f * HISTOGRAM_BINS * 2;
    const logSpan = Math.log(max) - Math.log(min);
    const [lo, hi] = histogramRange(min, max);
    for (const v of values) {
      out.histograms[h + histogramBin(v, lo, hi)]!++;
      const lg =
        logSpan > 0
          ? Math.min(
              Math.floor(((Math.log(v) - Math.log(min)) / logSpan) * HISTOGRAM_BINS),
              HISTOGRAM_BINS - 1,
            )
          : 0;
      out.histograms[h + HISTOGRAM_BINS + lg]!++;
    }
    const eligible = firing.filter((e) => exampleEligible(e.r % seqLen, seqLen));
    out.top.push(
      [...eligible]
        .sort((a, b) => b.v - a.v || a.r - b.r)
        .slice(0, TOP_EXAMPLES)
        .map((e) => ({ ...example(e.r), activation: e.v })),
    );
    const bins = Array.from(
      { length: INTERVAL_BINS },
      () => [] as { p: number; r: number; v: number }[],
    );
    for (const e of eligible)
      bins[intervalBin(e.v, max)]!.push({ ...e, p: samplePriority(options.seed, f, e.r) });
    out.intervals.push(
      bins.map((b) =>
        b
          .sort((x, y) => x.p - y.p || x.r - y.r)
          .slice(0, INTERVAL_SAMPLES)
          .map((e) => ({ ...example(e.r), activation: e.v })),
      ),
    );
  }
  return out;
}
