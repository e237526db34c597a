import { bindBuffers, createBuffer } from "../gpu/kernel.ts";
import { siteWords, SITE_BYTES, type CircuitKernels, type NormSite } from "./circuitKernels.ts";
import type { FrozenModel } from "./frozenModel.ts";
import {
  ln1ScaleRow,
  ln2ScaleRow,
  lnFinalScaleRow,
  type GpuFrozenLayer,
  type GpuFrozenModel,
} from "./gpuFrozenModel.ts";
import type { GpuSourceChunk } from "./gpuSourceChunks.ts";

/** The buffers every pass reuses. */
export interface BackwardBuffers {
  /** gpt2_common's Run: rows = positions · nb, seqLen = P, nSeq = nb batch rows. */
  run: GPUBuffer;
  /** [batchRows] (layer, pos) of each batch row's target, (−1, −1) for none. */
  targetSites: GPUBuffer;
  /** [batchRows, d] each batch row's target row r. */
  targetRows: GPUBuffer;
  /** g (the residual gradient), g_mid, and two scratch buffers, each [P, batchRows, d]. */
  grads: [GPUBuffer, GPUBuffer, GPUBuffer, GPUBuffer];
}

export function createBackwardBuffers(
  device: GPUDevice,
  batchRows: number,
  positions: number,
  dModel: number,
): BackwardBuffers {
  const grad = (name: string) =>
    createBuffer(device, `circuit ${name}`, batchRows * positions * dModel * 4);
  return {
    run: createBuffer(device, "circuit run", 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
    targetSites: createBuffer(device, "circuit target sites", batchRows * 8),
    targetRows: createBuffer(device, "circuit target rows", batchRows * dModel * 4),
    grads: [grad("g"), grad("g_mid"), grad("scratch A"), grad("scratch B")],
  };
}

export function destroyBackwardBuffers(b: BackwardBuffers): void {
  for (const buffer of [b.run, b.targetSites, b.targetRows, ...b.grads]) buffer.destroy();
}

/** The bind groups of one block's backward. */
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
 * Records one backward pass (frozenModel.ts's map J) into a compute pass: from the pass's
 * highest target layer down to hook_embed, dotting the sources at each slot with the gradient
 * there. Bind groups and site uniforms are made once, in the constructor.
 */
export class BackwardPassEncoder {
  private readonly siteUniforms: GPUBuffer[] = [];
  private readonly layerBinds: LayerBinds[];
  /** The logit targets' start: g = (r − mean(r)) / sF at the last position, zero elsewhere. */
  private readonly finalBind: GPUBindGroup;

  constructor(
    private readonly device: GPUDevice,
    private readonly kernels: CircuitKernels,
    private readonly model: FrozenModel,
    private readonly weights: GpuFrozenModel,
    private readonly buffers: BackwardBuffers,
    private readonly chunks: GpuSourceChunk[],
  ) {
    const [g, , scratchA, scratchB] = buffers.grads;
    this.layerBinds = weights.layers.map((layer, l) => this.bindLayer(layer, l));
    this.finalBind = this.normBind(
      {
        injectLayer: model.nLayer,
        scaleRow: lnFinalScaleRow(model),
        hasResidual: false,
        hasInput: false,
      },
      scratchA,
      scratchB,
      g,
    );
  }

  /**
   * `top`: the highest target layer in the pass (nLayer: a logit); `rows`: the gradient rows
   * the pass covers (its positions × nb); `nb`: its batch rows.
   */
  encode(pass: GPUComputePassEncoder, top: number, rows: number, nb: number): void {
    const { kernels } = this;
    const L = this.model.nLayer;
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
    if (top === L) dispatch(kernels.normBackward, this.finalBind, kernels.normGrid(rows));
    for (let l = Math.min(top, L - 1); l >= 0; l--) {
      const b = this.layerBinds[l]!;
      if (l < top) {
        dots(l);
        if (b.skip) dispatch(kernels.matmul, b.skip, kernels.matmulGrid(rows));
        dispatch(kernels.normBackward, b.ln2, kernels.normGrid(rows));
      } else dispatch(kernels.normBackward, b.ln2Start, kernels.normGrid(rows));
      dispatch(kernels.matmul, b.wO, kernels.matmulGrid(rows));
      dispatch(kernels.patternBackward, b.pattern, kernels.patternGrid(rows));
      dispatch(kernels.matmul, b.wV, kernels.matmulGrid(rows));
      dispatch(kernels.normBackward, b.ln1, kernels.normGrid(rows));
    }
    dots(L);
  }

  destroy(): void {
    for (const b of this.siteUniforms) b.destroy();
  }

  private bindLayer(layer: GpuFrozenLayer, l: number): LayerBinds {
    const { device, kernels, model } = this;
    const { run, grads } = this.buffers;
    const [g, gMid, scratchA, scratchB] = grads;
    const matmul = (x: GPUBuffer, w: GPUBuffer, out: GPUBuffer) =>
      bindBuffers(device, kernels.matmul, [run, x, w, this.weights.zeroBias, out]);
    const ln2 = { injectLayer: l, scaleRow: ln2ScaleRow(model, l) };
    const binds: LayerBinds = {
      ln2: this.normBind({ ...ln2, hasResidual: true, hasInput: !!layer.wSkip }, g, scratchA, gMid),
      ln2Start: this.normBind(
        { ...ln2, hasResidual: false, hasInput: false },
        scratchA,
        scratchB,
        gMid,
      ),
      wO: matmul(gMid, layer.wOT, scratchA),
      pattern: bindBuffers(device, kernels.patternBackward, [
        run,
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
  }

  /** A LayerNorm-backward bind group; unused residual/input bindings take scratch buffers. */
  private normBind(site: NormSite, residual: GPUBuffer, input: GPUBuffer, out: GPUBuffer) {
    const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const uniform = createBuffer(this.device, "circuit site", SITE_BYTES, usage);
    this.device.queue.writeBuffer(uniform, 0, siteWords(site));
    this.siteUniforms.push(uniform);
    const { run, targetSites, targetRows } = this.buffers;
    return bindBuffers(this.device, this.kernels.normBackward, [
      run,
      uniform,
      residual,
      input,
      this.weights.invScales,
      targetSites,
      targetRows,
      out,
    ]);
  }
}
