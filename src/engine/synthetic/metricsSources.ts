/**
 * Where the samples of a ground-truth evaluation come from: the GPU sampler (a synthetic model
 * built from its config: x is already on the GPU, the true activations and the target are read
 * back for the metrics), or samples held on the host (an exported truth folder's
 * samples.safetensors: x is uploaded for the dictionary).
 */
import { createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { GpuSyntheticSampler } from "./gpuSyntheticSampler.ts";

export interface EvalSampleSource {
  /** Samples it can give (Infinity for a sampler). */
  readonly available: number;
  /** Encodes (or uploads) batch `index` of `rows` rows; returns the dictionary's input x. */
  prepare(encoder: GPUCommandEncoder, index: number, rows: number): GPUBuffer;
  /** After the batch's submit: its true activations [rows, N] and target [rows, dOut]. */
  read(rows: number): Promise<{ featureActs: Float32Array; target: Float32Array }>;
  destroy(): void;
}

/**
 * Batches of the GPU sampler, from step `firstStep` on (an evaluation keys its own stream: see
 * evalStreamSeed). The target is y for a transcoder (`transcoder`), else x.
 */
export function samplerSource(
  device: GPUDevice,
  sampler: GpuSyntheticSampler,
  dims: { numFeatures: number; targetDim: number; transcoder: boolean },
  firstStep = 0,
): EvalSampleSource {
  if (dims.transcoder && !sampler.buffers.y) {
    throw new Error("synthetic eval: a transcoder needs a synthetic model with output vectors");
  }
  return {
    available: Infinity,
    prepare(encoder, index, rows) {
      if (rows > sampler.batch) {
        throw new Error(
          `synthetic eval: the sampler makes batches of ${sampler.batch}, not ${rows}`,
        );
      }
      return sampler.encode(encoder, firstStep + index).x;
    },
    async read(rows) {
      const { acts, x, y } = sampler.buffers;
      const featureActs = await readFloats(device, acts, rows * dims.numFeatures);
      const target = await readFloats(device, dims.transcoder ? y! : x, rows * dims.targetDim);
      return { featureActs, target };
    },
    destroy() {},
  };
}

/** Samples on the host: acts [count, N], x [count, dIn], the target [count, dOut]. */
export interface HostSamples {
  count: number;
  featureActs: Float32Array;
  x: Float32Array<ArrayBuffer>;
  target: Float32Array;
}

export function hostSource(
  device: GPUDevice,
  samples: HostSamples,
  dims: { numFeatures: number; inputDim: number; targetDim: number; batch: number },
): EvalSampleSource {
  const input = createBuffer(device, "synthetic eval input", dims.batch * dims.inputDim * 4);
  let start = 0;
  return {
    available: samples.count,
    prepare(_encoder, index, rows) {
      start = index * dims.batch;
      device.queue.writeBuffer(input, 0, samples.x, start * dims.inputDim, rows * dims.inputDim);
      return input;
    },
    async read(rows) {
      const slice = (m: Float32Array, width: number) =>
        m.subarray(start * width, (start + rows) * width);
      return {
        featureActs: slice(samples.featureActs, dims.numFeatures),
        target: slice(samples.target, dims.targetDim),
      };
    },
    destroy() {
      input.destroy();
    },
  };
}

/** Mixed into the model's seed so that evaluation samples are not the training stream. */
export const EVAL_STREAM_SALT = 0x65766131;

/** The sampler stream an evaluation draws from (training uses the model's seed itself). */
export function evalStreamSeed(modelSeed: number): number {
  return (modelSeed ^ EVAL_STREAM_SALT) >>> 0;
}
