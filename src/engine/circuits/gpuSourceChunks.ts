import { bindBuffers, createBuffer } from "../gpu/kernel.ts";
import type { CircuitKernels } from "./circuitKernels.ts";
import { SOURCES_PER_TILE, type SourceChunk } from "./sourceTiles.ts";

/** A chunk of sources on the GPU, with its source-dots bind group and its entries buffer. */
export interface GpuSourceChunk {
  chunk: SourceChunk;
  vectors: GPUBuffer;
  tilePos: GPUBuffer;
  uniform: GPUBuffer;
  /** [batchRows, tiles · 4] the entries of the last pass. */
  out: GPUBuffer;
  bind: GPUBindGroup;
}

/** Uploads each chunk once; every pass's dots read the gradient `g` under the `run` uniform. */
export function uploadSourceChunks(
  device: GPUDevice,
  kernels: CircuitKernels,
  chunks: SourceChunk[],
  batchRows: number,
  run: GPUBuffer,
  g: GPUBuffer,
): GpuSourceChunk[] {
  return chunks.map((chunk, i): GpuSourceChunk => {
    const vectors = createBuffer(device, `circuit sources ${i}`, chunk.vectors.byteLength);
    device.queue.writeBuffer(vectors, 0, chunk.vectors);
    const tilePos = createBuffer(device, `circuit tile positions ${i}`, chunk.tiles * 4);
    device.queue.writeBuffer(tilePos, 0, chunk.tilePos);
    const uniformUsage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const uniform = createBuffer(device, `circuit chunk ${i}`, 16, uniformUsage);
    device.queue.writeBuffer(uniform, 0, Uint32Array.from([chunk.tiles, 0, 0, 0]));
    const entries = batchRows * chunk.tiles * SOURCES_PER_TILE;
    const out = createBuffer(device, `circuit entries ${i}`, entries * 4);
    const bind = bindBuffers(device, kernels.sourceDots, [run, uniform, g, vectors, tilePos, out]);
    return { chunk, vectors, tilePos, uniform, out, bind };
  });
}

export function destroySourceChunks(chunks: GpuSourceChunk[]): void {
  for (const c of chunks) for (const b of [c.vectors, c.tilePos, c.uniform, c.out]) b.destroy();
}

/**
 * Scatters one pass's read-back entries into the adjacency rows: `entries` holds each chunk
 * of `read` in turn, [batch.length, tiles · 4]; batch[b] is the target row of batch row b.
 */
export function unpackEntries(
  entries: Float32Array,
  read: GpuSourceChunk[],
  batch: number[],
  sourceCount: number,
  out: Float32Array,
): void {
  const nb = batch.length;
  let offset = 0;
  for (const { chunk } of read) {
    const n = chunk.tiles * SOURCES_PER_TILE;
    for (let b = 0; b < nb; b++) {
      const row = batch[b]! * sourceCount;
      const at = offset + b * n;
      for (let j = 0; j < n; j++) {
        const column = chunk.columns[j]!;
        if (column >= 0) out[row + column] = entries[at + j]!;
      }
    }
    offset += nb * n;
  }
}
