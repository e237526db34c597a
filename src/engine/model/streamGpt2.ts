import type { SafetensorsFile } from "../formats/safetensors.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import type { LayerNormAffine } from "./gpt2Weights.ts";
import { Gpt2Tensors } from "./gpt2Tensors.ts";
import type { GpuGpt2Weights, GpuLayerWeights } from "./gpuWeights.ts";
import { centreRows, ones } from "./processWeights.ts";
import { streamLayer, type TensorReads } from "./streamLayer.ts";
import { streamVocab } from "./streamVocab.ts";
import { WeightBuffers } from "./weightBuffers.ts";

export interface LoadToGpuOptions {
  /** TransformerLens's weight processing, as processWeights applies it. */
  processing: boolean;
  /**
   * Bytes of the checkpoint read so far, after each tensor or chunk, out of all the load reads:
   * every tensor's stored bytes, and wte's once more with processing (it is read twice).
   */
  onProgress?(doneBytes: number, totalBytes: number): void;
  /** Checked between tensors and chunks; an abort rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Named in error messages about shapes. Default: config.json. */
  configName?: string;
  /** Vocabulary rows of wte read at a time. Default: 2048. */
  wteChunkRows?: number;
}

/**
 * Loads a GPT-2 checkpoint straight onto `device`: tensors are read, processed and uploaded one
 * at a time (wte in chunks of rows), so the host holds at most one block's tensor or one wte
 * chunk at once, never the model. The buffers equal what processWeights + uploadWeights give.
 * On failure or abort, whatever was uploaded is destroyed.
 */
export async function loadGpt2ToGpu(
  config: Gpt2Config,
  file: SafetensorsFile,
  device: GPUDevice,
  options: LoadToGpuOptions,
): Promise<GpuGpt2Weights> {
  const { processing, signal } = options;
  const tensors = Gpt2Tensors.open(config, file, options.configName);
  const total = tensors.totalBytes() + (processing ? tensors.storedBytes("wte.weight") : 0);
  let done = 0;
  const counted = async <T>(bytes: number, read: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    const data = await read();
    done += bytes;
    options.onProgress?.(done, total);
    return data;
  };
  const wteRowBytes = tensors.storedBytes("wte.weight") / config.vocabSize;
  const reads: TensorReads = {
    read: (name) => counted(tensors.storedBytes(name), () => tensors.read(name)),
    readRows: (name, start, count) =>
      counted(count * wteRowBytes, () => tensors.readRows(name, start, count)),
  };

  const buffers = new WeightBuffers(device);
  try {
    const d = config.dModel;
    // ln_f first: processing folds it into the unembedding.
    const lnF = { w: await reads.read("ln_f.weight"), b: await reads.read("ln_f.bias") };
    const lnFW = buffers.upload("ln_f.weight", processing ? ones(d) : lnF.w);
    const lnFB = buffers.upload("ln_f.bias", processing ? new Float32Array(d) : lnF.b);
    const unembeddingLn = processing ? lnF : undefined;
    const chunkRows = options.wteChunkRows ?? 2048;
    const vocab = await streamVocab(reads, buffers, config, unembeddingLn, chunkRows);
    const wpe = await reads
      .read("wpe.weight")
      .then((w) => buffers.upload("wpe", processing ? centreRows(w, config.nCtx, d) : w));
    const layers: GpuLayerWeights[] = [];
    const ln2Unprocessed: LayerNormAffine[] = [];
    for (let l = 0; l < config.nLayer; l++) {
      // ln_2's gain and bias stay on the host too (2·d values), for dictionaries reading the
      // MLP's input (mlpInputSite.ts).
      const ln2: Partial<LayerNormAffine> = {};
      const keepLn2: TensorReads = {
        ...reads,
        read: async (name) => {
          const t = await reads.read(name);
          if (name === `h.${l}.ln_2.weight`) ln2.gain = t;
          if (name === `h.${l}.ln_2.bias`) ln2.bias = t;
          return t;
        },
      };
      layers.push(await streamLayer(keepLn2, buffers, config, l, processing));
      await buffers.flush();
      ln2Unprocessed.push({ gain: ln2.gain!, bias: ln2.bias! });
    }
    return {
      config,
      processed: processing,
      ...vocab,
      wpe,
      layers,
      lnFW,
      lnFB,
      ln2Unprocessed,
      destroy: () => buffers.destroy(),
    };
  } catch (e) {
    buffers.destroy();
    throw e;
  }
}
