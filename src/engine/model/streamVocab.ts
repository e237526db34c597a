import type { Gpt2Config } from "./gpt2Config.ts";
import { transpose } from "./gpt2Weights.ts";
import { centreRows, foldLayerNorm } from "./processWeights.ts";
import type { TensorReads } from "./streamLayer.ts";
import type { WeightBuffers } from "./weightBuffers.ts";

export interface VocabBuffers {
  /** [V, d] */
  wte: GPUBuffer;
  /** [d, vocabPadded], zero columns past the vocabulary. */
  wU: GPUBuffer;
  /** [vocabPadded] */
  bU: GPUBuffer;
  vocabPadded: number;
}

/**
 * The embedding and the tied unembedding from wte, read `chunkRows` vocabulary rows at a time.
 * With `lnF` (processing) they come out as processWeights makes them: wte's rows centred; W_U =
 * ln_f folded into wte^T (fold_ln, column by column) and then centred over the vocabulary for
 * each of its d rows (center_unembed), like b_U. Those row means need every column first, so wte
 * is read twice: once for the embedding and the means, once for W_U and b_U.
 */
export async function streamVocab(
  reads: TensorReads,
  buffers: WeightBuffers,
  config: Gpt2Config,
  lnF: { w: Float32Array; b: Float32Array } | undefined,
  chunkRows: number,
): Promise<VocabBuffers> {
  const { vocabSize: V, dModel: d } = config;
  const vocabPadded = Math.ceil(V / 4) * 4;
  const wte = buffers.create("wte", V * d * 4);
  const wU = buffers.create("unembedding", d * vocabPadded * 4);
  const bU = buffers.create("unembedding bias", vocabPadded * 4);
  const chunks = async (each: (rows: Float32Array, v0: number, n: number) => void) => {
    for (let v0 = 0; v0 < V; v0 += chunkRows) {
      const n = Math.min(chunkRows, V - v0);
      // A chunk lives only in `each`, not in this frame across the awaits.
      await reads.readRows("wte.weight", v0, n).then((rows) => each(rows, v0, n));
      await buffers.flush();
    }
  };
  /** W_U's columns [v0, v0 + n) from `cols` [d, n], one write per row segment. */
  const writeColumns = (cols: Float32Array, v0: number, n: number) => {
    for (let r = 0; r < d; r++) buffers.write(wU, (r * vocabPadded + v0) * 4, cols, r * n, n);
  };

  if (lnF === undefined) {
    await chunks((rows, v0, n) => {
      buffers.write(wte, v0 * d * 4, rows);
      writeColumns(transpose(rows, n, d), v0, n);
    });
    return { wte, wU, bU, vocabPadded };
  }

  // fold_ln is local to each column of W_U, so a chunk of columns folds on its own.
  const fold = (rows: Float32Array, n: number) =>
    foldLayerNorm(transpose(rows, n, d), new Float32Array(n), lnF.w, lnF.b, d, n);
  // Sums in the order processWeights's centreRows adds them, so the means are the same numbers.
  const rowSums = new Float64Array(d);
  let biasSum = 0;
  await chunks((rows, v0, n) => {
    buffers.write(wte, v0 * d * 4, centreRows(rows, n, d));
    const { w, b } = fold(rows, n);
    for (let r = 0; r < d; r++) {
      let s = rowSums[r] as number;
      for (let j = 0; j < n; j++) s += w[r * n + j] as number;
      rowSums[r] = s;
    }
    for (let j = 0; j < n; j++) biasSum += b[j] as number;
  });
  const rowMeans = rowSums.map((s) => s / V);
  const biasMean = biasSum / V;
  await chunks((rows, v0, n) => {
    const { w, b } = fold(rows, n);
    for (let r = 0; r < d; r++) {
      const mean = rowMeans[r] as number;
      for (let j = 0; j < n; j++) w[r * n + j] = (w[r * n + j] as number) - mean;
    }
    for (let j = 0; j < n; j++) b[j] = (b[j] as number) - biasMean;
    writeColumns(w, v0, n);
    buffers.write(bU, v0 * 4, b);
  });
  return { wte, wU, bU, vocabPadded };
}
