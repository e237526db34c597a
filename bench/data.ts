import { seededRandom } from "../src/engine/dictionary/init.ts";

export interface BenchBatch {
  x: Float32Array<ArrayBuffer>;
  /** The transcoder's target (absent for an SAE, whose target is x). */
  y?: Float32Array<ArrayBuffer>;
}

function unitRows(rows: number, cols: number, rand: () => number): Float32Array {
  const m = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    for (let c = 0; c < cols; c++) {
      const v = rand() * 2 - 1;
      m[r * cols + c] = v;
      sq += v * v;
    }
    const inv = 1 / Math.sqrt(sq);
    for (let c = 0; c < cols; c++) m[r * cols + c]! *= inv;
  }
  return m;
}

/**
 * Structured random activations: `features` random unit directions, of which each row switches
 * on `perRow` on average with a random magnitude, plus a little noise; the transcoder target is
 * the same code along a second set of directions. Rows are scaled so that E||x|| = sqrt(d_in)
 * (and E||y|| = sqrt(d_out)), as the trainer's normalization leaves them. `seed` draws the
 * directions (the distribution), `rowSeed` the rows.
 */
export function structuredBatches(
  count: number,
  rows: number,
  dIn: number,
  dOut: number,
  withTargets: boolean,
  seed: number,
  rowSeed: number,
  features = 2048,
  perRow = 12,
): BenchBatch[] {
  const directions = seededRandom(seed);
  const inDir = unitRows(features, dIn, directions);
  const outDir = withTargets ? unitRows(features, dOut, directions) : undefined;
  const rand = seededRandom(rowSeed);
  const p = perRow / features;
  const batches: BenchBatch[] = [];
  for (let n = 0; n < count; n++) {
    const x = new Float32Array(rows * dIn);
    const y = outDir ? new Float32Array(rows * dOut) : undefined;
    for (let b = 0; b < rows; b++) {
      for (let f = 0; f < features; f++) {
        if (rand() >= p) continue;
        const a = 0.5 + rand();
        for (let c = 0; c < dIn; c++) x[b * dIn + c]! += a * inDir[f * dIn + c]!;
        if (y && outDir)
          for (let c = 0; c < dOut; c++) y[b * dOut + c]! += a * outDir[f * dOut + c]!;
      }
      for (let c = 0; c < dIn; c++) x[b * dIn + c]! += 0.02 * (rand() * 2 - 1);
    }
    normalizeRows(x, rows, dIn);
    if (y) normalizeRows(y, rows, dOut);
    batches.push(y ? { x, y } : { x });
  }
  return batches;
}

function normalizeRows(m: Float32Array, rows: number, cols: number): void {
  let total = 0;
  for (let b = 0; b < rows; b++) {
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += m[b * cols + c]! ** 2;
    total += Math.sqrt(sq);
  }
  const scale = Math.sqrt(cols) / (total / rows);
  for (let i = 0; i < m.length; i++) m[i]! *= scale;
}
