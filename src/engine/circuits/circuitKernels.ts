import { createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { ACT_NONE, LinearKernels } from "../model/linearKernels.ts";

/** Batch rows per invocation of circuit_source_dots.wgsl (its ROWS). */
const DOT_ROWS = 8;
const DOT_WORKGROUP = 64;

/** Bytes of circuit_norm_backward.wgsl's Site uniform. */
export const SITE_BYTES = 16;

/** A circuit_norm_backward.wgsl site: where it reads the scale and whether it injects. */
export interface NormSite {
  /** Batch rows whose target layer is this get their row added at their position (−1: none). */
  injectLayer: number;
  /** Row of the [2·nLayer + 1, P] inverse-scale table. */
  scaleRow: number;
  hasResidual: boolean;
  hasInput: boolean;
}

export function siteWords(site: NormSite): Int32Array<ArrayBuffer> {
  return Int32Array.from([
    site.injectLayer,
    site.scaleRow,
    site.hasResidual ? 1 : 0,
    site.hasInput ? 1 : 0,
  ]);
}

/**
 * The pipelines of the batched attribution backward pass for one model width: the frozen
 * LayerNorm backward (with target injection), the pattern mix, the source dots, and
 * shaders/linear.wgsl for the [d, d] matmuls. Every kernel reads the gpt2_common Run uniform
 * with rows = batch rows · P, seqLen = P, nSeq = batch rows.
 */
export class CircuitKernels {
  readonly normBackward: GPUComputePipeline;
  readonly patternBackward: GPUComputePipeline;
  readonly sourceDots: GPUComputePipeline;
  readonly matmul: GPUComputePipeline;
  private readonly linear: LinearKernels;

  constructor(
    device: GPUDevice,
    shaders: ShaderLibrary,
    readonly dModel: number,
    dHead: number,
  ) {
    if (dModel % 4 !== 0)
      throw new Error(`attribution on the GPU needs dModel a multiple of 4, got ${dModel}`);
    const prelude = "gpt2_common";
    const D4 = dModel / 4;
    this.normBackward = createKernel(device, shaders, "circuit_norm_backward", {
      prelude,
      constants: { D4 },
    });
    this.patternBackward = createKernel(device, shaders, "circuit_pattern_backward", {
      prelude,
      constants: { D: dModel, DH: dHead },
    });
    this.sourceDots = createKernel(device, shaders, "circuit_source_dots", {
      prelude,
      constants: { D4 },
    });
    this.linear = new LinearKernels(device, shaders);
    this.matmul = this.linear.pipeline(dModel, dModel, ACT_NONE);
  }

  normGrid(rows: number): [number, number] {
    return grid1d(rows, 64);
  }

  patternGrid(rows: number): [number, number] {
    return grid1d((rows * this.dModel) / 4, 64);
  }

  matmulGrid(rows: number): [number, number] {
    return this.linear.grid(this.dModel, rows);
  }

  dotsGrid(tiles: number, batchRows: number): [number, number] {
    return [Math.ceil(tiles / DOT_WORKGROUP), Math.ceil(batchRows / DOT_ROWS)];
  }

  /** Gradient rows one linear.wgsl workgroup covers (8 rows × 4 invocations along y). */
  static readonly matmulRowsPerWorkgroup = 32;

  /** Most tiles one source-dots dispatch can cover (65535 workgroups along x). */
  static readonly maxDotTiles = 65535 * DOT_WORKGROUP;
}
