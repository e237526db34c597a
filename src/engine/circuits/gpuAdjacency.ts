import { bindBuffers, createBuffer } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { checkFrozenModel, checkSources, checkTargets } from "./attributionShapes.ts";
import { CircuitKernels, siteWords, SITE_BYTES, type NormSite } from "./circuitKernels.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";
import {
  destroyFrozenModel,
  ln1ScaleRow,
  ln2ScaleRow,
  lnFinalScaleRow,
  uploadFrozenModel,
  type GpuFrozenModel,
} from "./gpuFrozenModel.ts";
import { sourceChunks, SOURCES_PER_TILE, type SourceChunk } from "./sourceTiles.ts";

/** Backward passes needed for `count` target rows, `batchRows` at a time. */
export function attributionPasses(count: number, batchRows: number): number {
  return Math.ceil(count / batchRows);
}

interface GpuChunk {
  chunk: SourceChunk;
  vectors: GPUBuffer;
  tilePos: GPUBuffer;
  uniform: GPUBuffer;
  /** [batchRows, tiles · 4] this pass's entries. */
  out: GPUBuffer;
  bind: GPUBindGroup;
}

/** The bind groups of one block's backward, made once. */
interface LayerBinds {
  skip?: GPUBindGroup;
  /** LN2 backward of the residual gradient plus the skip path and this layer's targets. */
  ln2: GPUBindGroup;
  /** LN2 backward when the pass starts at this layer: only the injected targets. */
  ln2Start: GPUBindGroup;
  wO: GPUBindGroup;
  pattern: GPUBindGroup;
  wV: GPUBindGroup;
  ln1: GPUBindGroup;
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
  private readonly uniforms: GPUBuffer[] = [];
  private readonly layerBinds: LayerBinds[];
  /** The logit targets' start: g = (r − mean(r)) / sF at the last position, zero elsewhere. */
  private readonly finalBind: GPUBindGroup;

  private constructor(
    private readonly device: GPUDevice,
    private readonly model: FrozenModel,
    readonly sourceCount: number,
    readonly batchRows: number,
    private readonly kernels: CircuitKernels,
    private readonly weights: GpuFrozenModel,
    private readonly run: GPUBuffer,
    private readonly targetSites: GPUBuffer,
    private readonly targetRows: GPUBuffer,
    /** g (the residual gradient), g_mid, and two scratch buffers, each [P, batchRows, d]. */
    private readonly grads: GPUBuffer[],
    private readonly chunks: GpuChunk[],
    private readonly staging: GPUBuffer[],
  ) {
    this.layerBinds = this.makeLayerBinds();
    const [g, , scratchA, scratchB] = grads as [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
    const final = { injectLayer: model.nLayer, scaleRow: lnFinalScaleRow(model) };
    this.finalBind = this.normBind(
      { ...final, hasResidual: false, hasInput: false },
      scratchA,
      scratchB,
      g,
    );
  }

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
    const kernels = new CircuitKernels(device, shaders, d, model.dHead);
    const tileBytes = SOURCES_PER_TILE * 4 * Math.max(d, B);
    const maxTiles = Math.min(CircuitKernels.maxDotTiles, Math.floor(maxBinding / tileBytes));
    const chunks = sourceChunks(sources, model.nLayer, d, maxTiles);
    const stagingBytes = B * chunks.reduce((n, c) => n + c.tiles * SOURCES_PER_TILE, 0) * 4;
    if (stagingBytes > device.limits.maxBufferSize)
      throw new Error(
        `GpuAdjacency: ${B} rows × ${sources.count} sources (${stagingBytes} bytes) exceed the ` +
          `adapter's maxBufferSize ${device.limits.maxBufferSize}; use a smaller batchRows`,
      );

    const weights = uploadFrozenModel(device, model);
    const uniformUsage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const run = createBuffer(device, "circuit run", 16, uniformUsage);
    const targetSites = createBuffer(device, "circuit target sites", B * 8);
    const targetRows = createBuffer(device, "circuit target rows", B * d * 4);
    const grads = ["g", "g_mid", "scratch A", "scratch B"].map((name) =>
      createBuffer(device, `circuit ${name}`, gradBytes),
    );
    const gpuChunks = chunks.map((chunk, i): GpuChunk => {
      const vectors = createBuffer(device, `circuit sources ${i}`, chunk.vectors.byteLength);
      device.queue.writeBuffer(vectors, 0, chunk.vectors);
      const tilePos = createBuffer(device, `circuit tile positions ${i}`, chunk.tiles * 4);
      device.queue.writeBuffer(tilePos, 0, chunk.tilePos);
      const uniform = createBuffer(device, `circuit chunk ${i}`, 16, uniformUsage);
      device.queue.writeBuffer(uniform, 0, Uint32Array.from([chunk.tiles, 0, 0, 0]));
      const out = createBuffer(
        device,
        `circuit entries ${i}`,
        ((B * chunk.vectors.length) / d) * 4,
      );
      const bind = bindBuffers(device, kernels.sourceDots, [
        run,
        uniform,
        grads[0]!,
        vectors,
        tilePos,
        out,
      ]);
      return { chunk, vectors, tilePos, uniform, out, bind };
    });
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
      kernels,
      weights,
      run,
      targetSites,
      targetRows,
      grads,
      gpuChunks,
      staging,
    );
  }

  /** [targets.count, sources.count] row-major, and the number of backward passes it took. */
  async rows(targets: AttributionTargets): Promise<{ rows: Float32Array; passes: number }> {
    checkTargets(this.model, targets);
    const S = this.sourceCount;
    const out = new Float32Array(targets.count * S);
    // Highest layer, then last position, first: a pass whose rows all sit low skips the layers
    // above them, and the positions past its last target position (the gradient is zero there).
    const order = Array.from({ length: targets.count }, (_, t) => t).sort(
      (a, b) => targets.layer[b]! - targets.layer[a]! || targets.pos[b]! - targets.pos[a]! || a - b,
    );
    const passes = attributionPasses(targets.count, this.batchRows);
    let pending: Promise<void> | undefined;
    for (let k = 0; k < passes; k++) {
      const batch = order.slice(k * this.batchRows, (k + 1) * this.batchRows);
      const staging = this.staging[k % 2]!;
      const read = this.submitPass(targets, batch, staging);
      await pending;
      pending = read.then((unpack) => unpack(out));
    }
    await pending;
    return { rows: out, passes };
  }

  destroy(): void {
    destroyFrozenModel(this.weights);
    for (const b of [this.run, this.targetSites, this.targetRows, ...this.grads, ...this.uniforms])
      b.destroy();
    for (const c of this.chunks)
      for (const b of [c.vectors, c.tilePos, c.uniform, c.out]) b.destroy();
    for (const b of this.staging) b.destroy();
  }

  /** Encodes and submits one pass; resolves, once read back, to a function writing its rows. */
  private async submitPass(
    targets: AttributionTargets,
    batch: number[],
    staging: GPUBuffer,
  ): Promise<(out: Float32Array) => void> {
    const { device, model } = this;
    const d = model.dModel;
    const P = model.positions;
    const nb = batch.length;
    const sites = new Int32Array(this.batchRows * 2).fill(-1);
    const rows = new Float32Array(this.batchRows * d);
    batch.forEach((t, b) => {
      sites[2 * b] = targets.layer[t]!;
      sites[2 * b + 1] = targets.pos[t]!;
      rows.set(targets.vectors.subarray(t * d, (t + 1) * d), b * d);
    });
    const positions = 1 + batch.reduce((last, t) => Math.max(last, targets.pos[t]!), 0);
    device.queue.writeBuffer(this.run, 0, Uint32Array.from([positions * nb, P, nb, 0]));
    device.queue.writeBuffer(this.targetSites, 0, sites);
    device.queue.writeBuffer(this.targetRows, 0, rows);
    const top = targets.layer[batch[0]!]!;
    const active = this.chunks.filter((c) => c.chunk.slot < top || c.chunk.slot === model.nLayer);

    const encoder = device.createCommandEncoder({ label: "attribution backward pass" });
    const pass = encoder.beginComputePass();
    this.encodeBackward(pass, top, positions * nb, nb);
    pass.end();
    let offset = 0;
    for (const c of active) {
      const bytes = nb * c.chunk.tiles * SOURCES_PER_TILE * 4;
      encoder.copyBufferToBuffer(c.out, 0, staging, offset, bytes);
      offset += bytes;
    }
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, Math.max(16, Math.ceil(offset / 16) * 16));
    const entries = new Float32Array(staging.getMappedRange(0, offset).slice(0));
    staging.unmap();
    return (out) => unpackEntries(entries, active, batch, this.sourceCount, out);
  }

  /** M = rows of the gradient: the pass's positions × nb batch rows. */
  private encodeBackward(pass: GPUComputePassEncoder, top: number, M: number, nb: number): void {
    const { kernels, model } = this;
    const L = model.nLayer;
    const binds = this.layerBinds;
    const dispatch = (pipeline: GPUComputePipeline, bind: GPUBindGroup, grid: [number, number]) => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(grid[0], grid[1]);
    };
    const dots = (slot: number) => {
      for (const c of this.chunks)
        if (c.chunk.slot === slot)
          dispatch(kernels.sourceDots, c.bind, kernels.dotsGrid(c.chunk.tiles, nb));
    };
    if (top === L) dispatch(kernels.normBackward, this.finalBind, kernels.normGrid(M));
    for (let l = Math.min(top, L - 1); l >= 0; l--) {
      const b = binds[l]!;
      if (l < top) {
        dots(l);
        if (b.skip) dispatch(kernels.matmul, b.skip, kernels.matmulGrid(M));
        dispatch(kernels.normBackward, b.ln2, kernels.normGrid(M));
      } else dispatch(kernels.normBackward, b.ln2Start, kernels.normGrid(M));
      dispatch(kernels.matmul, b.wO, kernels.matmulGrid(M));
      dispatch(kernels.patternBackward, b.pattern, kernels.patternGrid(M));
      dispatch(kernels.matmul, b.wV, kernels.matmulGrid(M));
      dispatch(kernels.normBackward, b.ln1, kernels.normGrid(M));
    }
    dots(L);
  }

  private makeLayerBinds(): LayerBinds[] {
    const { device, kernels, model, weights } = this;
    const [g, gMid, scratchA, scratchB] = this.grads as [
      GPUBuffer,
      GPUBuffer,
      GPUBuffer,
      GPUBuffer,
    ];
    const matmul = (x: GPUBuffer, w: GPUBuffer, out: GPUBuffer) =>
      bindBuffers(device, kernels.matmul, [this.run, x, w, weights.zeroBias, out]);
    return weights.layers.map((layer, l): LayerBinds => {
      const binds: LayerBinds = {
        ln2: this.normBind(
          {
            injectLayer: l,
            scaleRow: ln2ScaleRow(model, l),
            hasResidual: true,
            hasInput: !!layer.wSkip,
          },
          g,
          scratchA,
          gMid,
        ),
        ln2Start: this.normBind(
          { injectLayer: l, scaleRow: ln2ScaleRow(model, l), hasResidual: false, hasInput: false },
          scratchA,
          scratchB,
          gMid,
        ),
        wO: matmul(gMid, layer.wOT, scratchA),
        pattern: bindBuffers(device, kernels.patternBackward, [
          this.run,
          scratchA,
          layer.patternT,
          scratchB,
        ]),
        wV: matmul(scratchB, layer.wVTGain, scratchA),
        ln1: this.normBind(
          { injectLayer: -1, scaleRow: ln1ScaleRow(l), hasResidual: true, hasInput: true },
          gMid,
          scratchA,
          g,
        ),
      };
      if (layer.wSkip) binds.skip = matmul(g, layer.wSkip, scratchA);
      return binds;
    });
  }

  private normBind(site: NormSite, residual: GPUBuffer, input: GPUBuffer, out: GPUBuffer) {
    const uniform = createBuffer(
      this.device,
      "circuit site",
      SITE_BYTES,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.device.queue.writeBuffer(uniform, 0, siteWords(site));
    this.uniforms.push(uniform);
    return bindBuffers(this.device, this.kernels.normBackward, [
      this.run,
      uniform,
      residual,
      input,
      this.weights.invScales,
      this.targetSites,
      this.targetRows,
      out,
    ]);
  }
}

/** Scatters one pass's read-back entries (active chunks in order) into the adjacency rows. */
function unpackEntries(
  entries: Float32Array,
  active: GpuChunk[],
  batch: number[],
  S: number,
  out: Float32Array,
): void {
  const nb = batch.length;
  let offset = 0;
  for (const { chunk } of active) {
    const n = chunk.tiles * SOURCES_PER_TILE;
    for (let b = 0; b < nb; b++) {
      const row = batch[b]! * S;
      const at = offset + b * n;
      for (let j = 0; j < n; j++) {
        const column = chunk.columns[j]!;
        if (column >= 0) out[row + column] = entries[at + j]!;
      }
    }
    offset += nb * n;
  }
}
