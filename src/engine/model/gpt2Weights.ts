import type { Gpt2Config } from "./gpt2Config.ts";

/** One block's weights in Hugging Face's layout: Conv1D matrices are [in, out], row-major. */
export interface Gpt2LayerWeights {
  ln1W: Float32Array;
  ln1B: Float32Array;
  /** [d, 3d]: columns are q | k | v, each head-major (head * d_head + i). */
  wQkv: Float32Array;
  bQkv: Float32Array;
  /** [d, d]: rows are the heads' outputs z (head * d_head + i). */
  wO: Float32Array;
  bO: Float32Array;
  ln2W: Float32Array;
  ln2B: Float32Array;
  /** [d, d_mlp] */
  wIn: Float32Array;
  bIn: Float32Array;
  /** [d_mlp, d] */
  wOut: Float32Array;
  bOut: Float32Array;
}

/**
 * A GPT-2's weights on the host. `processed` says whether TransformerLens's weight processing
 * (processWeights.ts) has been applied; the forward pass is the same either way, since folded
 * LayerNorms keep gain 1 and bias 0.
 */
export interface Gpt2Weights {
  config: Gpt2Config;
  processed: boolean;
  /** [vocab, d] */
  wte: Float32Array;
  /** [n_ctx, d] */
  wpe: Float32Array;
  layers: Gpt2LayerWeights[];
  lnFW: Float32Array;
  lnFB: Float32Array;
  /** [d, vocab]: wte transposed until processing changes it. */
  wU: Float32Array;
  /** [vocab] */
  bU: Float32Array;
  /**
   * ln_2's gain and bias per layer as the checkpoint holds them, kept by processWeights (which
   * folds them away) for dictionaries that read the MLP's input after them (mlpInputSite.ts).
   */
  ln2Unprocessed?: LayerNormAffine[];
}

export interface LayerNormAffine {
  gain: Float32Array;
  bias: Float32Array;
}

/** b [rows, cols] = a^T for a [cols, rows]. */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c] as number;
  }
  return out;
}
