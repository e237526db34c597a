/**
 * Feature matching between two dictionaries A and B (an SAE and a transcoder, or two runs):
 * for every feature of A, its best B feature
 * - by decoder cosine: W_dec rows scaled to unit norm, A @ Bᵀ on the GPU (gpuTopkProduct.ts),
 *   only when both decoders write to the same site (else the cosine compares unrelated spaces);
 * - by activation correlation: Pearson over the same tokens, streamed (features_match_corr.wgsl
 *   adds per-chunk sums to running totals). Every A × B pair when there are at most
 *   FULL_PAIR_LIMIT, else only each A feature's PRODUCT_TOP nearest B features by decoder
 *   cosine (which then must exist).
 * Each statistic has a chance baseline, the same maximum taken against B made meaningless:
 * - cosine: B's decoder with each row's coordinates shuffled (seeded): random directions with
 *   B's own norms and coordinate values;
 * - correlation: A at token r against B at token s(r) = r + shift within the chunk (shift = one
 *   window: the same position of another sequence), so position-locked features keep their
 *   chance agreement.
 * A feature counts as matched when its best value exceeds the CHANCE_QUANTILE of the baseline
 * maxima over all A features.
 */
import { seededRandom } from "../dictionary/init.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { topkProduct, type RowExtremes } from "./gpuTopkProduct.ts";
import { transposeRows, unitRows } from "./weightViews.ts";

/** Above this many A × B pairs, correlations are summed for decoder-cosine candidates only. */
export const FULL_PAIR_LIMIT = 2 ** 22;
export const CHANCE_QUANTILE = 0.99;

/** Per A feature: its best B feature, the value, and the chance baseline's maximum. */
export interface MatchColumn {
  index: Uint32Array<ArrayBuffer>;
  value: Float32Array<ArrayBuffer>;
  baseline: Float32Array<ArrayBuffer>;
  /** The CHANCE_QUANTILE of `baseline` over A's features. */
  threshold: number;
  /** Share of A's features whose value exceeds the threshold. */
  matched: number;
  /**
   * Share of A's features whose best B feature has the same index. Chance is 1 / d_sae of B;
   * far above it, the two were likely initialised alike (sameIndexSuspicious).
   */
  sameIndex: number;
}

/**
 * Whether the same-index share is far above chance: at least SAME_INDEX_FACTOR times 1 / nB and
 * at least 3 features. Two dictionaries started from one seed keep many latents at their
 * initial pairing, so matches then measure the shared start as much as what was learned.
 */
export function sameIndexSuspicious(column: MatchColumn, nB: number): boolean {
  const n = column.index.length;
  return column.sameIndex * n >= 3 && column.sameIndex >= SAME_INDEX_FACTOR / nB;
}
export const SAME_INDEX_FACTOR = 10;

export interface FeatureMatches {
  dSaeA: number;
  dSaeB: number;
  cosine?: MatchColumn;
  /** Why there is no cosine column. */
  cosineNote?: string;
  correlation?: MatchColumn;
  correlationNote?: string;
  /** "full": every pair; "candidates": each A feature's PRODUCT_TOP nearest by decoder cosine. */
  pairs: "full" | "candidates";
  /** Tokens the correlations are over (S0), and those of the shifted baseline (S1). */
  tokens: number;
  baselineTokens: number;
}

/** Why A's and B's decoder directions cannot be compared, or undefined when they can. */
export function decoderSpaceMismatch(a: DictionarySpec, b: DictionarySpec): string | undefined {
  if (a.hookNameOut !== b.hookNameOut || a.dOut !== b.dOut) {
    return (
      `the decoders write to different sites (${a.hookNameOut}, d ${a.dOut} and ` +
      `${b.hookNameOut}, d ${b.dOut}): their directions are not comparable`
    );
  }
  return undefined;
}

/** Each row of m [rows, cols] with its coordinates permuted (Fisher–Yates, seeded). */
export function shuffleCoordinates(
  m: Float32Array,
  rows: number,
  cols: number,
  seed: number,
): Float32Array {
  const random = seededRandom(seed);
  const out = Float32Array.from(m);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let i = cols - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = out[o + i]!;
      out[o + i] = out[o + j]!;
      out[o + j] = t;
    }
  }
  return out;
}

/** The nearest-rank q-quantile. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

export function matchColumn(
  index: Uint32Array<ArrayBuffer>,
  value: Float32Array<ArrayBuffer>,
  baseline: Float32Array<ArrayBuffer>,
): MatchColumn {
  const threshold = quantile(baseline, CHANCE_QUANTILE);
  let above = 0;
  for (const v of value) if (v > threshold) above++;
  let same = 0;
  for (let i = 0; i < index.length; i++) if (index[i] === i) same++;
  const n = value.length;
  return {
    index,
    value,
    baseline,
    threshold,
    matched: n ? above / n : 0,
    sameIndex: n ? same / n : 0,
  };
}

/**
 * Best B feature of every A feature by decoder cosine, with each A feature's PRODUCT_TOP
 * nearest (the correlation candidates), and the shuffled-coordinates baseline.
 */
export async function decoderCosineMatches(
  device: GPUDevice,
  shaders: ShaderLibrary,
  wDecA: Float32Array,
  wDecB: Float32Array,
  shape: { nA: number; nB: number; d: number },
  options: { seed: number; signal?: AbortSignal },
): Promise<{ column: MatchColumn; nearest: RowExtremes[] }> {
  const { nA, nB, d } = shape;
  const a = unitRows(wDecA, nA, d);
  const product = (b: Float32Array) =>
    topkProduct(
      device,
      shaders,
      a,
      transposeRows(unitRows(b, nB, d), nB, d),
      { rows: nA, d, n: nB },
      { signal: options.signal },
    );
  const nearest = await product(wDecB);
  const chance = await product(shuffleCoordinates(wDecB, nB, d, options.seed));
  const first = (rows: RowExtremes[], key: "index" | "value") =>
    rows.map((r) => r.top[0]?.[key] ?? (key === "index" ? 0 : NaN));
  const column = matchColumn(
    Uint32Array.from(first(nearest, "index")),
    Float32Array.from(first(nearest, "value")),
    Float32Array.from(first(chance, "value")),
  );
  return { column, nearest };
}

/** Each A feature's candidates as (i, j) pairs, PRODUCT_TOP per feature at most. */
export function candidatePairs(nearest: RowExtremes[]): Uint32Array {
  const out: number[] = [];
  nearest.forEach((r, i) => r.top.forEach((e) => out.push(i, e.index)));
  return Uint32Array.from(out);
}

/**
 * The shift of the baseline within a chunk of `rows` rows: one window when the chunk holds two
 * or more, else half the chunk.
 */
export function baselineShift(rows: number, seqLen: number): number {
  return rows >= 2 * seqLen ? seqLen : Math.floor(rows / 2);
}

/** [rows] S0 membership (the row counts), then [rows] S1 (it and its shifted row count). */
export function baselineMasks(included: ArrayLike<number>, shift: number): Uint32Array {
  const rows = included.length;
  const out = new Uint32Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    out[r] = included[r] ? 1 : 0;
    out[rows + r] = included[r] && included[(r + shift) % rows] ? 1 : 0;
  }
  return out;
}

/** Totals over all chunks: per feature (Σx, Σx²) over S0 then S1; per pair Σab over S0, S1. */
export interface CorrelationSums {
  n0: number;
  n1: number;
  sumsA: Float32Array | Float64Array;
  sumsB: Float32Array | Float64Array;
  pairSums: Float32Array | Float64Array;
}

/** Pearson r from sums; 0 when either side is constant (a feature that never fired). */
export function pearson(
  n: number,
  sab: number,
  sa: number,
  qa: number,
  sb: number,
  qb: number,
): number {
  if (n < 2) return 0;
  const va = qa / n - (sa / n) ** 2;
  const vb = qb / n - (sb / n) ** 2;
  // f32 sums: a variance this small relative to the mean square is rounding, not signal.
  if (!(va > 1e-6 * (qa / n)) || !(vb > 1e-6 * (qb / n))) return 0;
  const r = (sab / n - (sa / n) * (sb / n)) / Math.sqrt(va * vb);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Per A feature, the best B feature by correlation over S0 (ties: the lower index) and the
 * largest correlation over S1 (the shifted baseline), among all pairs or the listed ones.
 */
export function correlationMatches(
  sums: CorrelationSums,
  nA: number,
  nB: number,
  pairs: Uint32Array | "full",
): MatchColumn {
  const index = new Uint32Array(nA);
  const value = new Float32Array(nA).fill(-Infinity);
  const baseline = new Float32Array(nA).fill(-Infinity);
  const { n0, n1, sumsA: A, sumsB: B, pairSums: P } = sums;
  const count = pairs === "full" ? nA * nB : pairs.length / 2;
  for (let p = 0; p < count; p++) {
    const i = pairs === "full" ? Math.floor(p / nB) : pairs[2 * p]!;
    const j = pairs === "full" ? p % nB : pairs[2 * p + 1]!;
    const r0 = pearson(n0, P[2 * p]!, A[4 * i]!, A[4 * i + 1]!, B[4 * j]!, B[4 * j + 1]!);
    const r1 = pearson(
      n1,
      P[2 * p + 1]!,
      A[4 * i + 2]!,
      A[4 * i + 3]!,
      B[4 * j + 2]!,
      B[4 * j + 3]!,
    );
    if (r0 > value[i]! || (r0 === value[i]! && j < index[i]!)) {
      value[i] = r0;
      index[i] = j;
    }
    if (r1 > baseline[i]!) baseline[i] = r1;
  }
  for (let i = 0; i < nA; i++) {
    if (value[i] === -Infinity) value[i] = 0;
    if (baseline[i] === -Infinity) baseline[i] = 0;
  }
  return matchColumn(index, value, baseline);
}

/**
 * Streams the correlation sums on the GPU: encode() adds one chunk's latents of A and B (the
 * buffers given at construction, rows of strideA / strideB floats) to the totals; read() once.
 */
export class CorrelationAccumulator {
  readonly pairCount: number;
  private readonly sumsPipeline: GPUComputePipeline;
  private readonly pairsPipeline: GPUComputePipeline;
  private readonly bind: GPUBindGroup;
  private readonly uniform: GPUBuffer;
  private readonly mask: GPUBuffer;
  private readonly pairList: GPUBuffer;
  private readonly pairSums: GPUBuffer;
  private readonly sumsA: GPUBuffer;
  private readonly sumsB: GPUBuffer;
  private n0 = 0;
  private n1 = 0;

  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    private readonly shape: {
      nA: number;
      nB: number;
      strideA: number;
      strideB: number;
      maxRows: number;
      pairs: Uint32Array | "full";
      a: GPUBuffer;
      b: GPUBuffer;
    },
  ) {
    const { nA, nB, strideA, strideB, maxRows, pairs } = shape;
    const full = pairs === "full";
    this.pairCount = full ? nA * nB : pairs.length / 2;
    const constants = { NA: nA, NB: nB, SA: strideA, SB: strideB, FULL: full ? 1 : 0 };
    const kernel = (entryPoint: string) =>
      createKernel(device, shaders, "features_match_corr", { entryPoint, constants });
    this.sumsPipeline = kernel("sums");
    this.pairsPipeline = kernel("pairs");
    this.uniform = createBuffer(
      device,
      "match run",
      16,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.mask = createBuffer(device, "match masks", 2 * maxRows * 4);
    this.pairList = createBuffer(device, "match pair list", full ? 16 : pairs.byteLength);
    if (!full) device.queue.writeBuffer(this.pairList, 0, pairs as Uint32Array<ArrayBuffer>);
    this.pairSums = createBuffer(device, "match pair sums", this.pairCount * 8);
    this.sumsA = createBuffer(device, "match sums A", nA * 16);
    this.sumsB = createBuffer(device, "match sums B", nB * 16);
    for (const [buf, n] of [
      [this.pairSums, this.pairCount * 2],
      [this.sumsA, nA * 4],
      [this.sumsB, nB * 4],
    ] as const) {
      device.queue.writeBuffer(buf, 0, new Float32Array(n));
    }
    this.bind = bindBuffers(device, this.sumsPipeline, [
      this.uniform,
      shape.a,
      shape.b,
      this.mask,
      this.pairList,
      this.pairSums,
      this.sumsA,
      this.sumsB,
    ]);
  }

  /** Adds a chunk of `rows` rows whose membership is `masks` (baselineMasks). */
  encode(encoder: GPUCommandEncoder, rows: number, shift: number, masks: Uint32Array): void {
    if (rows > this.shape.maxRows)
      throw new RangeError(`${rows} rows exceed ${this.shape.maxRows}`);
    const { device } = this;
    device.queue.writeBuffer(this.uniform, 0, new Uint32Array([rows, shift, this.pairCount, 0]));
    device.queue.writeBuffer(this.mask, 0, masks as Uint32Array<ArrayBuffer>);
    for (let r = 0; r < rows; r++) {
      this.n0 += masks[r]!;
      this.n1 += masks[rows + r]!;
    }
    const pass = encoder.beginComputePass();
    pass.setBindGroup(0, this.bind);
    pass.setPipeline(this.sumsPipeline);
    pass.dispatchWorkgroups(...grid1d(this.shape.nA + this.shape.nB, 64));
    pass.setPipeline(this.pairsPipeline);
    pass.dispatchWorkgroups(...grid1d(this.pairCount, 64));
    pass.end();
  }

  async read(): Promise<CorrelationSums> {
    const { nA, nB } = this.shape;
    return {
      n0: this.n0,
      n1: this.n1,
      sumsA: await readFloats(this.device, this.sumsA, nA * 4),
      sumsB: await readFloats(this.device, this.sumsB, nB * 4),
      pairSums: await readFloats(this.device, this.pairSums, this.pairCount * 2),
    };
  }

  destroy(): void {
    for (const b of [this.uniform, this.mask, this.pairList, this.pairSums, this.sumsA, this.sumsB])
      b.destroy();
  }
}
