import { MAX_WORKGROUPS_PER_DIMENSION } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { checkFrozenModel, checkSources, checkTargets } from "./attributionShapes.ts";
import {
  BackwardPassEncoder,
  createBackwardBuffers,
  destroyBackwardBuffers,
  type BackwardBuffers,
} from "./backwardPassEncoder.ts";
import { CircuitKernels } from "./circuitKernels.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";
import { destroyFrozenModel, uploadFrozenModel, type GpuFrozenModel } from "./gpuFrozenModel.ts";
import {
  destroySourceChunks,
  unpackEntries,
  uploadSourceChunks,
  type GpuSourceChunk,
} from "./gpuSourceChunks.ts";
import { sourceChunks, SOURCES_PER_TILE } from "./sourceTiles.ts";

/** Backward passes needed for `count` target rows, `batchRows` at a time. */
export function attributionPasses(count: number, batchRows: number): number {
  return Math.ceil(count / batchRows);
}

/**
 * Rows of the attribution adjacency, A[t, s] = r_tᵀ J v_s, by batched backward passes through
 * the frozen replacement model (frozenModel.ts) in WGSL: up to batchRows target rows per pass,
 * the gradient [P, batchRows, d] walked from the top layer down; at each source slot one kernel
 * dots every source vector with the gradient at its position. A pass starts at its highest
 * target layer and stops at its last target position (above and past them the gradient is
 * zero). The model and the sources are uploaded once; each pass is one command buffer and one
 * read-back, the next pass encoded while the last one's rows come back.
 */
export class GpuAdjacency {
  private busy = false;

  private constructor(
    private readonly device: GPUDevice,
    private readonly model: FrozenModel,
    readonly sourceCount: number,
    readonly batchRows: number,
    private readonly weights: GpuFrozenModel,
    private readonly buffers: BackwardBuffers,
    private readonly chunks: GpuSourceChunk[],
    private readonly encoder: BackwardPassEncoder,
    /** Two read-back buffers, [batchRows, every chunk's tiles · 4] each, used in turn. */
    private readonly staging: GPUBuffer[],
  ) {}

  static async create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    model: FrozenModel,
    sources: AttributionSources,
    opts: { batchRows: number },
  ): Promise<GpuAdjacency> {
    checkFrozenModel(model);
    checkSources(model, sources);
    const B = opts.batchRows;
    if (!Number.isInteger(B) || B < 1)
      throw new Error(`GpuAdjacency: batchRows must be a positive integer, got ${B}`);
    const { dModel: d, positions: P } = model;
    const maxBinding = device.limits.maxStorageBufferBindingSize;
    const gradBytes = B * P * d * 4;
    if (gradBytes > maxBinding)
      throw new Error(
        `GpuAdjacency: a gradient of batchRows ${B} × positions ${P} × dModel ${d} floats is ` +
          `${gradBytes} bytes, over the adapter's maxStorageBufferBindingSize ${maxBinding}; ` +
          `use batchRows ≤ ${Math.floor(maxBinding / (P * d * 4))}`,
      );
    if (Math.ceil((B * P) / CircuitKernels.matmulRowsPerWorkgroup) > MAX_WORKGROUPS_PER_DIMENSION)
      throw new Error(
        `GpuAdjacency: batchRows ${B} × positions ${P} gradient rows exceed one matmul dispatch; ` +
          `use batchRows ≤ ${Math.floor((MAX_WORKGROUPS_PER_DIMENSION * CircuitKernels.matmulRowsPerWorkgroup) / P)}`,
      );
    // A chunk's vectors [tiles · 4, d] and entries [B, tiles · 4] must each fit one binding.
    const tileBytes = SOURCES_PER_TILE * 4 * Math.max(d, B);
    const maxTiles = Math.min(CircuitKernels.maxDotTiles, Math.floor(maxBinding / tileBytes));
    const chunks = sourceChunks(sources, model.nLayer, d, maxTiles);
    const stagingBytes = B * chunks.reduce((n, c) => n + c.tiles * SOURCES_PER_TILE, 0) * 4;
    if (stagingBytes > device.limits.maxBufferSize)
      throw new Error(
        `GpuAdjacency: ${B} rows × ${sources.count} sources (${stagingBytes} bytes) exceed the ` +
          `adapter's maxBufferSize ${device.limits.maxBufferSize}; use a smaller batchRows`,
      );

    const kernels = new CircuitKernels(device, shaders, d, model.dHead);
    const weights = uploadFrozenModel(device, model);
    const buffers = createBackwardBuffers(device, B, P, d);
    const gpuChunks = uploadSourceChunks(device, kernels, chunks, B, buffers.run, buffers.grads[0]);
    const encoder = new BackwardPassEncoder(device, kernels, model, weights, buffers, gpuChunks);
    const staging = [0, 1].map((i) =>
      device.createBuffer({
        label: `circuit staging ${i}`,
        size: Math.max(16, stagingBytes),
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
    );
    return new GpuAdjacency(
      device,
      model,
      sources.count,
      B,
      weights,
      buffers,
      gpuChunks,
      encoder,
      staging,
    );
  }

  /**
   * [targets.count, sources.count] row-major, and the number of backward passes it took. One
   * call at a time (the passes share buffers). Rows are computed highest layer first, then
   * last position first, so one call with many targets covers fewer layers and positions per
   * pass than the same targets in arbitrary batches.
   */
  async rows(targets: AttributionTargets): Promise<{ rows: Float32Array; passes: number }> {
    if (this.busy) throw new Error("GpuAdjacency.rows: the previous call has not finished");
    checkTargets(this.model, targets);
    this.busy = true;
    try {
      return await this.allRows(targets);
    } finally {
      this.busy = false;
    }
  }

  destroy(): void {
    this.encoder.destroy();
    destroyFrozenModel(this.weights);
    destroyBackwardBuffers(this.buffers);
    destroySourceChunks(this.chunks);
    for (const b of this.staging) b.destroy();
  }

  private async allRows(targets: AttributionTargets) {
    const out = new Float32Array(targets.count * this.sourceCount);
    const order = Array.from({ length: targets.count }, (_, t) => t).sort(
      (a, b) => targets.layer[b]! - targets.layer[a]! || targets.pos[b]! - targets.pos[a]! || a - b,
    );
    const passes = attributionPasses(targets.count, this.batchRows);
    let unpacked: Promise<void> | undefined;
    for (let k = 0; k < passes; k++) {
      const batch = order.slice(k * this.batchRows, (k + 1) * this.batchRows);
      const read = this.submitPass(targets, batch, this.staging[k % 2]!);
      await unpacked;
      unpacked = read.then((unpack) => unpack(out));
    }
    await unpacked;
    return { rows: out, passes };
  }

  /** Encodes and submits one pass; resolves, once read back, to a function writing its rows. */
  private async submitPass(
    targets: AttributionTargets,
    batch: number[],
    staging: GPUBuffer,
  ): Promise<(out: Float32Array) => void> {
    const { device, model, buffers } = this;
    const { dModel: d, positions: P, nLayer: L } = model;
    const nb = batch.length;
    const sites = new Int32Array(this.batchRows * 2).fill(-1);
    const rows = new Float32Array(this.batchRows * d);
    batch.forEach((t, b) => {
      sites[2 * b] = targets.layer[t]!;
      sites[2 * b + 1] = targets.pos[t]!;
      rows.set(targets.vectors.subarray(t * d, (t + 1) * d), b * d);
    });
    const top = batch.reduce((highest, t) => Math.max(highest, targets.layer[t]!), 0);
    const positions = 1 + batch.reduce((last, t) => Math.max(last, targets.pos[t]!), 0);
    device.queue.writeBuffer(buffers.run, 0, Uint32Array.from([positions * nb, P, nb, 0]));
    device.queue.writeBuffer(buffers.targetSites, 0, sites);
    device.queue.writeBuffer(buffers.targetRows, 0, rows);

    const commands = device.createCommandEncoder({ label: "attribution backward pass" });
    const pass = commands.beginComputePass();
    this.encoder.encode(pass, top, positions * nb, nb);
    pass.end();
    // Slots at or above the top layer get no gradient: their entries stay zero.
    const read = this.chunks.filter((c) => c.chunk.slot < top || c.chunk.slot === L);
    let bytes = 0;
    for (const c of read) {
      const chunkBytes = nb * c.chunk.tiles * SOURCES_PER_TILE * 4;
      commands.copyBufferToBuffer(c.out, 0, staging, bytes, chunkBytes);
      bytes += chunkBytes;
    }
    device.queue.submit([commands.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, Math.max(16, bytes));
    const entries = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    return (out) => unpackEntries(entries, read, batch, this.sourceCount, out);
  }
}
