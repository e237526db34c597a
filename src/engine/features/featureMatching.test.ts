import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { createBuffer } from "../gpu/kernel.ts";
import {
  baselineMasks,
  baselineShift,
  candidatePairs,
  CorrelationAccumulator,
  correlationMatches,
  decoderCosineMatches,
  type MatchColumn,
} from "./featureMatching.ts";
import {
  correlationMatchesReference,
  cosineMatchesReference,
  type ReferenceChunk,
} from "./featureMatchingReference.ts";

const shaders = loadNodeShaders();
const SEQ = 10;

/** Sparse non-negative latents [rows, n]: each fires on ~25% of rows. */
function sparse(random: () => number, rows: number, n: number): Float32Array {
  return Float32Array.from({ length: rows * n }, () => (random() < 0.25 ? random() * 3 : 0));
}

/** B's latents: A's column i in column perm[i], scaled and with a little noise where it fires. */
function permutedLatents(
  random: () => number,
  a: Float32Array,
  rows: number,
  nA: number,
  perm: number[],
): Float32Array {
  const out = new Float32Array(rows * nA);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < nA; i++) {
      const v = a[r * nA + i]!;
      out[r * nA + perm[i]!] = v > 0 ? v * 1.3 + random() * 0.2 : random() < 0.03 ? 0.5 : 0;
    }
  }
  return out;
}

function padRows(m: Float32Array, rows: number, n: number, stride: number): Float32Array {
  const out = new Float32Array(rows * stride);
  for (let r = 0; r < rows; r++) out.set(m.subarray(r * n, (r + 1) * n), r * stride);
  return out;
}

/** The GPU correlation of chunks (latents uploaded as the dictionary apply leaves them). */
async function gpuCorrelation(
  chunks: ReferenceChunk[],
  nA: number,
  nB: number,
  pairs: Uint32Array | "full",
): Promise<MatchColumn> {
  const { device } = await testDevice();
  const strideA = Math.ceil(nA / 4) * 4;
  const strideB = Math.ceil(nB / 4) * 4;
  const maxRows = Math.max(...chunks.map((c) => c.rows));
  const a = createBuffer(device, "test A", maxRows * strideA * 4);
  const b = createBuffer(device, "test B", maxRows * strideB * 4);
  const acc = new CorrelationAccumulator(device, shaders, {
    nA,
    nB,
    strideA,
    strideB,
    maxRows,
    pairs,
    a,
    b,
  });
  try {
    for (const c of chunks) {
      device.queue.writeBuffer(
        a,
        0,
        padRows(c.a, c.rows, nA, strideA) as Float32Array<ArrayBuffer>,
      );
      device.queue.writeBuffer(
        b,
        0,
        padRows(c.b, c.rows, nB, strideB) as Float32Array<ArrayBuffer>,
      );
      const encoder = device.createCommandEncoder();
      acc.encode(encoder, c.rows, c.shift, baselineMasks(c.included, c.shift));
      device.queue.submit([encoder.finish()]);
    }
    return correlationMatches(await acc.read(), nA, nB, pairs);
  } finally {
    acc.destroy();
    a.destroy();
    b.destroy();
  }
}

function chunksOf(
  random: () => number,
  rowsPerChunk: number[],
  latents: (rows: number) => { a: Float32Array; b: Float32Array },
): ReferenceChunk[] {
  return rowsPerChunk.map((rows) => ({
    ...latents(rows),
    rows,
    // Some rows left out, as the special token is.
    included: Uint8Array.from({ length: rows }, () => (random() < 0.1 ? 0 : 1)),
    shift: baselineShift(rows, SEQ),
  }));
}

function expectClose(got: MatchColumn, want: MatchColumn, tolerance: number) {
  const worst = (x: Float32Array, y: Float32Array) =>
    Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!)));
  expect(worst(got.value, want.value)).toBeLessThan(tolerance);
  expect(worst(got.baseline, want.baseline)).toBeLessThan(tolerance);
  // The best index agrees wherever the runner-up is not within float error of the best.
  let differ = 0;
  for (let i = 0; i < want.index.length; i++) if (got.index[i] !== want.index[i]) differ++;
  expect(differ).toBeLessThanOrEqual(Math.ceil(want.index.length * 0.05));
  expect(got.threshold).toBeCloseTo(want.threshold, 3);
  expect(got.matched).toBeCloseTo(want.matched, 5);
}

describe("feature matching", () => {
  it("decoder cosine and correlation agree with the float64 reference", async () => {
    const { device } = await testDevice();
    const random = seededRandom(11);
    // Widths that are not multiples of 4 (the latent rows are padded).
    const nA = 22;
    const nB = 37;
    const d = 16;
    const u = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
    const wA = u(nA * d);
    const wB = u(nB * d);
    const cos = await decoderCosineMatches(device, shaders, wA, wB, { nA, nB, d }, { seed: 4 });
    expectClose(cos.column, cosineMatchesReference(wA, wB, { nA, nB, d }, 4), 1e-5);

    const chunks = chunksOf(random, [40, 40, 15], (rows) => ({
      a: sparse(random, rows, nA),
      b: sparse(random, rows, nB),
    }));
    expectClose(
      await gpuCorrelation(chunks, nA, nB, "full"),
      correlationMatchesReference(chunks, nA, nB, "full"),
      2e-4,
    );
    // Candidate pairs only (each A feature's nearest by decoder cosine).
    const pairs = candidatePairs(cos.nearest);
    expect(pairs.length).toBe(nA * 10 * 2);
    expectClose(
      await gpuCorrelation(chunks, nA, nB, pairs),
      correlationMatchesReference(chunks, nA, nB, pairs),
      2e-4,
    );
  });

  it("recovers a planted permutation and finds random dictionaries at chance", async () => {
    const { device } = await testDevice();
    const random = seededRandom(5);
    const n = 48;
    const d = 24;
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const wA = Float32Array.from({ length: n * d }, () => random() * 2 - 1);
    const planted = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++)
        planted[perm[i]! * d + k] = wA[i * d + k]! + (random() - 0.5) * 0.3;
    }
    const unrelated = Float32Array.from({ length: n * d }, () => random() * 2 - 1);

    const cos = await decoderCosineMatches(
      device,
      shaders,
      wA,
      planted,
      { nA: n, nB: n, d },
      { seed: 1 },
    );
    const recovered = (c: MatchColumn) =>
      Array.from(c.index).filter((j, i) => j === perm[i]).length / n;
    expect(recovered(cos.column)).toBe(1);
    expect(cos.column.matched).toBe(1);
    const chanceCos = await decoderCosineMatches(
      device,
      shaders,
      wA,
      unrelated,
      { nA: n, nB: n, d },
      { seed: 1 },
    );
    expect(chanceCos.column.matched).toBeLessThan(0.1);

    const plantedChunks = chunksOf(random, [60, 60, 60], (rows) => {
      const a = sparse(random, rows, n);
      return { a, b: permutedLatents(random, a, rows, n, perm) };
    });
    const corr = await gpuCorrelation(plantedChunks, n, n, "full");
    expect(recovered(corr)).toBe(1);
    expect(Math.min(...corr.value)).toBeGreaterThan(0.8);
    expect(corr.threshold).toBeLessThan(0.5);
    expect(corr.matched).toBe(1);
    const randomChunks = chunksOf(random, [60, 60, 60], (rows) => ({
      a: sparse(random, rows, n),
      b: sparse(random, rows, n),
    }));
    const chance = await gpuCorrelation(randomChunks, n, n, "full");
    expect(chance.matched).toBeLessThan(0.1);
    expect(Math.max(...chance.value)).toBeLessThan(0.5);
  });
});
