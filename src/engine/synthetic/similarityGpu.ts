/**
 * The [rowsA, rowsB] cosine matrix on the GPU (4096 latents × 16384 features × 768 dimensions
 * is 51 G multiply-adds): rows normalised on the host as similarityMatrix.ts does, B transposed,
 * and the product by shaders/linear.wgsl (x @ W, no bias, no activation), a chunk of A's rows per
 * submit so that no output buffer exceeds WebGPU's binding limit and no submit runs long. Every
 * chunk is read back: the assignment that follows needs the whole matrix on the host.
 */
import { bindBuffers, createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { ACT_NONE, LinearKernels } from "../model/linearKernels.ts";
import { checkSimilarityShape, unitRows64, type SimilarityShape } from "./similarityMatrix.ts";

/** Bytes of one chunk's output, under the default maxStorageBufferBindingSize (128 MiB). */
const MAX_CHUNK_BYTES = 64 * 2 ** 20;
/** Multiply-adds per submit. */
const MACS_PER_SUBMIT = 2 ** 31;

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

/** Rows over max(‖row‖, 1e-8) as float32, each padded with zeros from d to `stride` columns. */
function paddedUnitRows(m: ArrayLike<number>, rows: number, d: number, stride: number) {
  const unit = unitRows64(m, rows, d);
  const out = new Float32Array(rows * stride);
  for (let r = 0; r < rows; r++) out.set(unit.subarray(r * d, (r + 1) * d), r * stride);
  return out;
}

/** Rows of a chunk of A per submit. */
export function similarityChunkRows(shape: SimilarityShape): number {
  const n4 = roundUp4(shape.rowsB);
  const k4 = roundUp4(shape.d);
  const byMemory = Math.floor(MAX_CHUNK_BYTES / (n4 * 4));
  const byWork = Math.floor(MACS_PER_SUBMIT / (n4 * k4));
  return Math.max(1, Math.min(shape.rowsA, byMemory, Math.max(32, byWork)));
}

/** cos[i, j] of row i of a [rowsA, d] and row j of b [rowsB, d], float32, row-major. */
export async function gpuCosineSimilarities(
  device: GPUDevice,
  shaders: ShaderLibrary,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: SimilarityShape,
  options: {
    signal?: AbortSignal;
    /** Rows per submit (default similarityChunkRows). */ chunkRows?: number;
  } = {},
): Promise<Float32Array<ArrayBuffer>> {
  checkSimilarityShape(a, b, shape);
  const { rowsA, rowsB, d } = shape;
  const out = new Float32Array(rowsA * rowsB);
  if (rowsA === 0 || rowsB === 0) return out;
  const k4 = roundUp4(d);
  const n4 = roundUp4(rowsB);
  const unitA = paddedUnitRows(a, rowsA, d, k4);
  const unitB = paddedUnitRows(b, rowsB, d, k4);
  const bT = new Float32Array(k4 * n4);
  for (let j = 0; j < rowsB; j++) for (let k = 0; k < d; k++) bT[k * n4 + j] = unitB[j * k4 + k]!;

  const kernels = new LinearKernels(device, shaders);
  const pipeline = kernels.pipeline(k4, n4, ACT_NONE);
  const chunk = Math.min(options.chunkRows ?? similarityChunkRows(shape), rowsA);
  const run = createBuffer(device, "cos run", 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const x = createBuffer(device, "cos A chunk", chunk * k4 * 4);
  const w = createBuffer(device, "cos B transposed", bT.byteLength);
  const bias = createBuffer(device, "cos zero bias", n4 * 4);
  const product = createBuffer(device, "cos chunk", chunk * n4 * 4);
  const buffers = [run, x, w, bias, product];
  try {
    device.queue.writeBuffer(w, 0, bT);
    const bind = bindBuffers(device, pipeline, [run, x, w, bias, product], "cosine similarities");
    for (let r0 = 0; r0 < rowsA; r0 += chunk) {
      const rows = Math.min(chunk, rowsA - r0);
      device.queue.writeBuffer(run, 0, new Uint32Array([rows, 0, 0, 0]));
      device.queue.writeBuffer(x, 0, unitA, r0 * k4, rows * k4);
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(...kernels.grid(n4, rows));
      pass.end();
      device.queue.submit([encoder.finish()]);
      const got = await readFloats(device, product, rows * n4);
      for (let r = 0; r < rows; r++) {
        out.set(got.subarray(r * n4, r * n4 + rowsB), (r0 + r) * rowsB);
      }
      options.signal?.throwIfAborted();
    }
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
  return out;
}
