/** Float64 feature matching (featureMatching.ts's reference): full products, two-pass Pearson. */
import { matchColumn, shuffleCoordinates, type MatchColumn } from "./featureMatching.ts";

function unit(m: ArrayLike<number>, rows: number, d: number): Float64Array {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += m[r * d + k]! ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let k = 0; k < d; k++) out[r * d + k] = m[r * d + k]! * inv;
  }
  return out;
}

function bestCosines(
  a: Float64Array,
  b: Float64Array,
  nA: number,
  nB: number,
  d: number,
): { index: number[]; value: number[] } {
  const index: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < nA; i++) {
    let best = -Infinity;
    let at = 0;
    for (let j = 0; j < nB; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
      if (s > best) {
        best = s;
        at = j;
      }
    }
    index.push(at);
    value.push(best);
  }
  return { index, value };
}

export function cosineMatchesReference(
  wDecA: Float32Array,
  wDecB: Float32Array,
  shape: { nA: number; nB: number; d: number },
  seed: number,
): MatchColumn {
  const { nA, nB, d } = shape;
  const a = unit(wDecA, nA, d);
  const best = bestCosines(a, unit(wDecB, nB, d), nA, nB, d);
  const chance = bestCosines(a, unit(shuffleCoordinates(wDecB, nB, d, seed), nB, d), nA, nB, d);
  return matchColumn(
    Uint32Array.from(best.index),
    Float32Array.from(best.value),
    Float32Array.from(chance.value),
  );
}

/** One chunk: latents [rows, nA] and [rows, nB] (dense), which rows count, the baseline shift. */
export interface ReferenceChunk {
  a: Float32Array;
  b: Float32Array;
  rows: number;
  included: ArrayLike<number>;
  shift: number;
}

function pearson64(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t < n; t++) {
    sxy += (x[t]! - mx) * (y[t]! - my);
    sxx += (x[t]! - mx) ** 2;
    syy += (y[t]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Per A feature: best B by Pearson over the included rows, and the shifted baseline's max. */
export function correlationMatchesReference(
  chunks: ReferenceChunk[],
  nA: number,
  nB: number,
  pairs: Uint32Array | "full",
): MatchColumn {
  const candidates = (i: number): number[] => {
    if (pairs === "full") return Array.from({ length: nB }, (_, j) => j);
    const out: number[] = [];
    for (let p = 0; p < pairs.length; p += 2) if (pairs[p] === i) out.push(pairs[p + 1]!);
    return out;
  };
  const index = new Uint32Array(nA);
  const value = new Float32Array(nA);
  const baseline = new Float32Array(nA);
  for (let i = 0; i < nA; i++) {
    let best = -Infinity;
    let chance = -Infinity;
    for (const j of candidates(i)) {
      const x0: number[] = [];
      const y0: number[] = [];
      const x1: number[] = [];
      const y1: number[] = [];
      for (const c of chunks) {
        for (let r = 0; r < c.rows; r++) {
          const s = (r + c.shift) % c.rows;
          if (c.included[r]) {
            x0.push(c.a[r * nA + i]!);
            y0.push(c.b[r * nB + j]!);
          }
          if (c.included[r] && c.included[s]) {
            x1.push(c.a[r * nA + i]!);
            y1.push(c.b[s * nB + j]!);
          }
        }
      }
      const r0 = pearson64(x0, y0);
      if (r0 > best) {
        best = r0;
        index[i] = j;
      }
      chance = Math.max(chance, pearson64(x1, y1));
    }
    value[i] = best === -Infinity ? 0 : best;
    baseline[i] = chance === -Infinity ? 0 : chance;
  }
  return matchColumn(index, value, baseline);
}
