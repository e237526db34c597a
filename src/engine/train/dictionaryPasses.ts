import { bindBuffers, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { ParamLayout } from "../dictionary/layout.ts";
import { GRAD_NORM_SLICES, metricSpan, type DictionaryBuffers } from "./dictionaryBuffers.ts";

export type StepPath = "sparse" | "dense";

export interface Pass {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: [number, number];
}

export interface DictionaryPasses {
  /** Per path: the passes up to the gradients, then clipping and Adam. */
  paths: Record<StepPath, { before: Pass[]; after: Pass[] }>;
  /** The batch metrics, dispatched between the two on logging steps. */
  metrics: Pass[];
}

/** The training step's pipelines and bind groups, built once per shape. */
export function buildDictionaryPasses(
  device: GPUDevice,
  shaders: ShaderLibrary,
  layout: ParamLayout,
  B: number,
  b: DictionaryBuffers,
): DictionaryPasses {
  const { fp, dOut, dInP, dOutP } = layout;
  const kernel = (
    name: string,
    options: { entryPoint?: string; constants?: Record<string, number>; label?: string } = {},
  ) => createKernel(device, shaders, name, { prelude: "dictionary_common", ...options });
  const sp = b.stepParams;
  const pass = (pipeline: GPUComputePipeline, resources: GPUBuffer[], grid: [number, number]) => ({
    pipeline,
    bind: bindBuffers(device, pipeline, resources, pipeline.label),
    grid,
  });
  // Register-blocked kernels: 8 rows per invocation, (16, 4) invocations per workgroup.
  const blockedGrid = (cols4: number, rows: number): [number, number] => [
    Math.ceil(cols4 / 16),
    Math.ceil(rows / 8 / 4),
  ];
  const matmulRows = (label: string, c: Record<string, number>) =>
    kernel("dict_matmul_rows", { constants: c, label });
  const matmulAt = (label: string, c: Record<string, number>) =>
    kernel("dict_matmul_at", { constants: c, label });

  const forward = [
    pass(kernel("dict_prepare_input"), [b.dims, sp, b.x, b.params, b.xPrime], grid1d(B * dInP, 64)),
    pass(kernel("dict_decoder_norms"), [b.dims, b.params, b.decoderNorms], [Math.ceil(fp / 64), 1]),
    pass(
      matmulRows("encode", {
        K4: dInP / 4,
        N4: fp / 4,
        OFF_W4: layout.offWEnc / 4,
        OFF_BIAS4: layout.offBEnc / 4,
        RELU_A: 0,
        SUB_Y: 0,
        Y_WIDTH: 1,
      }),
      [b.dims, sp, b.xPrime, b.params, b.y, b.pre],
      blockedGrid(fp / 4, B),
    ),
    pass(
      kernel("dict_compact", { entryPoint: "rows" }),
      [b.dims, b.pre, b.decoderNorms, b.rowList, b.rowCount, b.rowL1],
      [Math.ceil(B / 64), 1],
    ),
    pass(
      kernel("dict_compact", { entryPoint: "cols" }),
      [b.dims, b.pre, b.decoderNorms, b.colList, b.colCount, b.colSumF],
      [Math.ceil(fp / 64), 1],
    ),
    pass(kernel("dict_firing"), [b.dims, b.colCount, b.firing], [Math.ceil(fp / 64), 1]),
  ];
  const sparse = [
    pass(
      kernel("dict_decode"),
      [b.dims, sp, b.pre, b.rowList, b.rowCount, b.params, b.y, b.residual],
      [B, 1],
    ),
    pass(
      kernel("dict_row_grads"),
      [b.dims, sp, b.rowList, b.rowCount, b.residual, b.params, b.decoderNorms, b.dPre],
      [B, 1],
    ),
    pass(
      kernel("dict_latent_dec_grads"),
      [
        b.dims,
        sp,
        b.colList,
        b.colCount,
        b.colSumF,
        b.pre,
        b.residual,
        b.params,
        b.decoderNorms,
        b.grads,
      ],
      [fp, 1],
    ),
    pass(
      kernel("dict_latent_enc_grads"),
      [b.dims, b.colList, b.colCount, b.dPre, b.xPrime, b.grads],
      [fp, 1],
    ),
  ];
  const dense = [
    pass(
      matmulRows("decode_dense", {
        K4: fp / 4,
        N4: dOutP / 4,
        OFF_W4: layout.offWDec / 4,
        OFF_BIAS4: layout.offBDec / 4,
        RELU_A: 1,
        SUB_Y: 1,
        Y_WIDTH: dOut,
      }),
      [b.dims, sp, b.pre, b.params, b.y, b.residual],
      blockedGrid(dOutP / 4, B),
    ),
    pass(
      kernel("dict_dense_dpre", { constants: { D4: dOutP / 4, F4: fp / 4 } }),
      [b.dims, sp, b.residual, b.params, b.decoderNorms, b.pre, b.dPre],
      blockedGrid(fp / 4, B),
    ),
    pass(
      matmulAt("decoder_grads_dense", {
        A4: fp / 4,
        G4: dOutP / 4,
        OFF_OUT4: layout.offWDec / 4,
        DECODER: 1,
        OFF_BIAS4: 0,
      }),
      [b.dims, sp, b.pre, b.residual, b.params, b.decoderNorms, b.grads],
      blockedGrid(dOutP / 4, fp),
    ),
    pass(
      matmulAt("encoder_grads_dense", {
        A4: dInP / 4,
        G4: fp / 4,
        OFF_OUT4: layout.offWEnc / 4,
        DECODER: 0,
        OFF_BIAS4: layout.offBEnc / 4,
      }),
      [b.dims, sp, b.xPrime, b.dPre, b.params, b.decoderNorms, b.grads],
      blockedGrid(fp / 4, dInP),
    ),
  ];
  const optimizer = [
    pass(
      kernel("dict_bias_dec_grad"),
      [b.dims, b.residual, b.params, b.grads],
      [Math.ceil(dOut / 64), 1],
    ),
    pass(
      kernel("dict_grad_norm", { entryPoint: "partial" }),
      [b.dims, b.grads, b.gradNormPartials, b.clip],
      [GRAD_NORM_SLICES / 64, 1],
    ),
    pass(
      kernel("dict_grad_norm", { entryPoint: "finish" }),
      [b.dims, b.grads, b.gradNormPartials, b.clip],
      [1, 1],
    ),
    pass(
      kernel("dict_adam"),
      [b.dims, sp, b.grads, b.clip, b.params, b.adamM, b.adamV],
      grid1d(layout.total, 64),
    ),
  ];
  const paths = {
    sparse: { before: [...forward, ...sparse, optimizer[0]!], after: optimizer.slice(1) },
    dense: { before: [...forward, ...dense, optimizer[0]!], after: optimizer.slice(1) },
  };
  const metricsResources = [
    b.dims,
    sp,
    b.residual,
    b.y,
    b.rowL1,
    b.rowCount,
    b.firing,
    b.metricPartials,
    b.metrics,
  ];
  const metrics = [
    pass(kernel("dict_metrics", { entryPoint: "partial" }), metricsResources, [
      Math.ceil(metricSpan(layout, B) / 64),
      1,
    ]),
    pass(kernel("dict_metrics", { entryPoint: "finish" }), metricsResources, [1, 1]),
  ];
  return { paths, metrics };
}

export function dispatch(pass: GPUComputePassEncoder, p: Pass): void {
  pass.setPipeline(p.pipeline);
  pass.setBindGroup(0, p.bind);
  pass.dispatchWorkgroups(p.grid[0], p.grid[1]);
}
