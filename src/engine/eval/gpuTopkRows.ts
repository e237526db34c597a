import { bindBuffers, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";

/** The largest k the TopK kernels take (the sparse decoder stages k latents per row). */
export const MAX_TOPK = 256;

export interface TopkRowsShape {
  /** Values per row that take part. */
  n: number;
  /** Floats from one row to the next (>= n). */
  stride: number;
  k: number;
  /** Clamp the kept values at 0 (TopK then ReLU, as SAELens's TopK). */
  relu: boolean;
}

/**
 * shaders/dict_topk_rows.wgsl: per row, in place, keep the k largest of n values (ties: lower
 * index first) and zero the rest, and list the kept columns in increasing order.
 */
export class GpuTopkRows {
  readonly pipeline: GPUComputePipeline;

  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    readonly shape: TopkRowsShape,
  ) {
    const { n, stride, k } = shape;
    if (!Number.isInteger(k) || k < 1 || k > MAX_TOPK || k > n) {
      throw new Error(`TopK: k = ${k} must be an integer in 1..min(${MAX_TOPK}, ${n})`);
    }
    if (stride < n) throw new Error(`TopK: row stride ${stride} is below the row length ${n}`);
    this.pipeline = createKernel(device, shaders, "dict_topk_rows", {
      prelude: "topk_select",
      constants: { N: n, STRIDE: stride, K: k, RELU: shape.relu ? 1 : 0 },
      label: `topk rows ${k} of ${n}`,
    });
  }

  /**
   * `rowCount`: a uniform whose first u32 is the number of rows; `values` [rows, stride] f32,
   * rewritten in place; `indices` [rows, k] u32.
   */
  bind(rowCount: GPUBuffer, values: GPUBuffer, indices: GPUBuffer): GPUBindGroup {
    return bindBuffers(this.device, this.pipeline, [rowCount, values, indices], "topk rows");
  }

  /** One workgroup per row; `rows` is the count the bound uniform holds. */
  encode(pass: GPUComputePassEncoder, bind: GPUBindGroup, rows: number): void {
    if (rows === 0) return;
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(...grid1d(rows, 1));
  }
}
