/**
 * A quick check that a model runs and predicts: its mean next-token cross-entropy over one
 * window of tokens, on the GPU, read back once. A trained GPT-2 scores a few nats per token on
 * English text; random weights score about ln(vocabulary).
 */
import { readFloats } from "../gpu/readBuffer.ts";
import type { GpuGpt2 } from "./gpuGpt2.ts";

export interface ProbeLoss {
  /** Tokens whose next token was predicted (the window's length minus one). */
  predicted: number;
  /** Mean cross-entropy in nats per token. */
  loss: number;
}

export async function probeLoss(
  device: GPUDevice,
  model: GpuGpt2,
  tokens: ArrayLike<number>,
): Promise<ProbeLoss> {
  const n = tokens.length;
  if (n < 2) throw new RangeError("a probe needs at least 2 tokens");
  const logits = model.createLogitsBuffer(n);
  try {
    model.setTokens(tokens);
    const encoder = device.createCommandEncoder();
    model.encodeForward(encoder, { nSeq: 1, seqLen: n, logits });
    device.queue.submit([encoder.finish()]);
    const Vp = model.vocabPadded;
    const V = model.config.vocabSize;
    const values = await readFloats(device, logits, n * Vp);
    let total = 0;
    for (let t = 0; t < n - 1; t++) {
      const row = values.subarray(t * Vp, t * Vp + V);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let s = 0;
      for (const v of row) s += Math.exp(v - max);
      total += max + Math.log(s) - row[tokens[t + 1]!]!;
    }
    return { predicted: n - 1, loss: total / (n - 1) };
  } finally {
    logits.destroy();
  }
}
