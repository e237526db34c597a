/**
 * The counter-based random numbers that shaders/synthetic_random.wgsl computes, bit for bit:
 * every draw is a hash of (seed, step, stream, row, index, draw), so the GPU sampler and the
 * float64 reference draw the same samples and any sample can be recomputed on its own.
 * The hash is Chris Wellons's lowbias32, chained boost-style over the keys.
 */

/** Independent streams of draws (the same numbers as in synthetic_random.wgsl). */
export const STREAM = {
  /** ε ~ N(0, I_rank), one vector per sample (the low-rank part of the copula). */
  copulaShared: 1,
  /** η ~ N(0, 1) per sample and feature (the diagonal part). */
  copulaOwn: 2,
  /** Per-sample magnitude noise n in relu(mean + std·n). */
  magnitude: 3,
  /** The uniform a Bernoulli firing draw compares with p (no correlation). */
  bernoulli: 4,
  /** The key that picks the winner among active mutually exclusive siblings. */
  mutualExclusion: 5,
  // Model construction (step 0); not drawn by the sampler.
  featureVectors: 16,
  bias: 17,
  outputFeatureVectors: 18,
  outputBias: 19,
  correlationFactor: 20,
  randomProbabilities: 21,
  stdMagnitudes: 22,
  meanMagnitudes: 23,
} as const;

export function lowbias32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

export function hashCombine(h: number, key: number): number {
  const mixed = (key + 0x9e3779b9 + ((h << 6) >>> 0) + (h >>> 2)) >>> 0;
  return lowbias32((h ^ mixed) >>> 0);
}

/** The hash of (seed, step, stream, row) that every draw of that row starts from. */
export function rowKey(seed: number, step: number, stream: number, row: number): number {
  let h = lowbias32(seed >>> 0);
  h = hashCombine(h, step >>> 0);
  h = hashCombine(h, stream);
  return hashCombine(h, row >>> 0);
}

/** 32 random bits for (row key, index, draw). */
export function drawBits(key: number, index: number, draw: number): number {
  return hashCombine(hashCombine(key, index >>> 0), draw);
}

/** Uniform on [0, 1) with 24 bits: exact in float32. */
export function uniformAt(key: number, index: number): number {
  return (drawBits(key, index, 0) >>> 8) * 2 ** -24;
}

/**
 * ln((k + 1)·2^-24) for a 24-bit k: the exponent from the integer's bits, the mantissa in
 * [√½, √2) and a short atanh series, as synthetic_random.wgsl computes it in float32.
 */
export function logUnit(k: number): number {
  const v = k + 1;
  let e = 31 - Math.clz32(v);
  let m = v / 2 ** e;
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  const series =
    s * (2 + s2 * (2 / 3 + s2 * (2 / 5 + s2 * (2 / 7 + s2 * (2 / 9 + s2 * (2 / 11))))));
  return (e - 24) * Math.LN2 + series;
}

/** cos(2π·j·2^-24) for a 24-bit j: the quadrant from the top bits, then Taylor series. */
export function cosTurn(j: number): number {
  const quadrant = j >>> 22;
  const t = (j & 0x3fffff) * 2 ** -22 * (Math.PI / 2);
  const t2 = t * t;
  const taylor = (first: number, start: number) => {
    let term = first;
    let sum = first;
    for (let k = start; k < start + 12; k += 2) {
      term *= -t2 / (k * (k + 1));
      sum += term;
    }
    return sum;
  };
  const c = taylor(1, 1);
  const s = taylor(t, 2);
  return quadrant === 0 ? c : quadrant === 1 ? -s : quadrant === 2 ? -c : s;
}

/** N(0, 1) by Box-Muller from two 24-bit uniforms, the first in (0, 1] (|n| <= 5.8). */
export function normalAt(key: number, index: number): number {
  const u1 = drawBits(key, index, 0) >>> 8;
  const u2 = drawBits(key, index, 1) >>> 8;
  return Math.sqrt(-2 * logUnit(u1)) * cosTurn(u2);
}

/** n standard normals of one construction stream (model building, not sampling). */
export function normals(seed: number, stream: number, row: number, n: number): Float64Array {
  const key = rowKey(seed, 0, stream, row);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = normalAt(key, i);
  return out;
}
