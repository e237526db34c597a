import type { Gpt2Config } from "./gpt2Config.ts";
import type { Gpt2Weights, LayerNormAffine } from "./gpt2Weights.ts";
import { unprocessedLn2 } from "./mlpInputSite.ts";
import { foldMlpInputAffine } from "./processWeights.ts";
import { WeightBuffers } from "./weightBuffers.ts";

export interface GpuLayerWeights {
  ln1W: GPUBuffer;
  ln1B: GPUBuffer;
  wQkv: GPUBuffer;
  bQkv: GPUBuffer;
  wO: GPUBuffer;
  bO: GPUBuffer;
  ln2W: GPUBuffer;
  ln2B: GPUBuffer;
  wIn: GPUBuffer;
  bIn: GPUBuffer;
  wOut: GPUBuffer;
  bOut: GPUBuffer;
}

/** A GPT-2's weights on one device, laid out for GpuGpt2 (uploadWeights, loadGpt2ToGpu). */
export interface GpuGpt2Weights {
  config: Gpt2Config;
  /** Whether TransformerLens's weight processing was applied (see processWeights). */
  processed: boolean;
  wte: GPUBuffer;
  wpe: GPUBuffer;
  layers: GpuLayerWeights[];
  lnFW: GPUBuffer;
  lnFB: GPUBuffer;
  /** [d, vocabPadded], zero columns past the vocabulary. */
  wU: GPUBuffer;
  bU: GPUBuffer;
  vocabPadded: number;
  /** ln_2's gain and bias as the checkpoint holds them, on the host (see mlpInputSite.ts). */
  ln2Unprocessed: LayerNormAffine[];
  destroy(): void;
}

/** Uploads every tensor into its own storage buffer (see WeightBuffers for the size limit). */
export function uploadWeights(device: GPUDevice, w: Gpt2Weights): GpuGpt2Weights {
  const { dModel: d, vocabSize: V } = w.config;
  const vocabPadded = Math.ceil(V / 4) * 4;
  const buffers = new WeightBuffers(device);
  const upload = (name: string, data: Float32Array) => buffers.upload(name, data);
  const wU = new Float32Array(d * vocabPadded);
  for (let r = 0; r < d; r++) wU.set(w.wU.subarray(r * V, (r + 1) * V), r * vocabPadded);
  const bU = new Float32Array(vocabPadded);
  bU.set(w.bU);
  try {
    return {
      config: w.config,
      processed: w.processed,
      wte: upload("wte", w.wte),
      wpe: upload("wpe", w.wpe),
      // ln2.hook_normalized is LayerNorm's output before ln2's gain and bias (TransformerLens >= 3),
      // so unprocessed weights carry them in the MLP's input weights instead.
      layers: w.layers.map((raw, i) => {
        const l = w.processed ? raw : foldMlpInputAffine(raw, d, w.config.dMlp);
        const u = (name: string, data: Float32Array) => upload(`h.${i}.${name}`, data);
        return {
          ln1W: u("ln_1.weight", l.ln1W),
          ln1B: u("ln_1.bias", l.ln1B),
          wQkv: u("attn.c_attn.weight", l.wQkv),
          bQkv: u("attn.c_attn.bias", l.bQkv),
          wO: u("attn.c_proj.weight", l.wO),
          bO: u("attn.c_proj.bias", l.bO),
          ln2W: u("ln_2.weight", l.ln2W),
          ln2B: u("ln_2.bias", l.ln2B),
          wIn: u("mlp.c_fc.weight", l.wIn),
          bIn: u("mlp.c_fc.bias", l.bIn),
          wOut: u("mlp.c_proj.weight", l.wOut),
          bOut: u("mlp.c_proj.bias", l.bOut),
        };
      }),
      lnFW: upload("ln_f.weight", w.lnFW),
      lnFB: upload("ln_f.bias", w.lnFB),
      wU: upload("unembedding", wU),
      bU: upload("unembedding bias", bU),
      vocabPadded,
      ln2Unprocessed: unprocessedLn2(w),
      destroy: () => buffers.destroy(),
    };
  } catch (e) {
    buffers.destroy();
    throw e;
  }
}
