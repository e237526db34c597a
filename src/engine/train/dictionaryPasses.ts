import { bindBuffers, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import {
  DEFAULT_GEMM,
  variantForShape,
  type GemmChoice,
  type GemmProduct,
} from "../gpu/gemmVariants.ts";
import type { ParamLayout } from "../dictionary/layout.ts";
import type { ArchitectureOptions } from "./architecture.ts";
import { architecturePasses, matryoshkaTotals } from "./architecturePasses.ts";
import { GRAD_NORM_SLICES, metricSpan, type DictionaryBuffers } from "./dictionaryBuffers.ts";

export type StepPath = "sparse" | "dense";

export interface Pass {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: [number, number];
}

/**
 * The passes of one step: `start` once per step, `before` (up to the gradients) once per
 * micro-batch, then clipping and Adam (`after`).
 */
export interface StepPasses {
  start: Pass[];
  before: Pass[];
  after: Pass[];
}

export interface DictionaryPasses {
  /** Per path (the architectures other than standard have one, under both names). */
  paths: Record<StepPath, StepPasses>;
  /** The batch metrics, dispatched between the two on logging steps. */
  metrics: Pass[];
  /** After each micro-batch of a split step: its gradients into the step's mean. */
  accumulate: Pass[];
}

export interface KernelOptions {
  entryPoint?: string;
  constants?: Record<string, number>;
  label?: string;
  /** A prelude other than dictionary_common. */
  prelude?: string;
}

/** Builds the step's pipelines and bind groups for one shape (shared by every architecture). */
export class PassKit {
  constructor(
    readonly device: GPUDevice,
    private readonly shaders: ShaderLibrary,
    readonly layout: ParamLayout,
    readonly B: number,
    readonly b: DictionaryBuffers,
    private readonly gemm: GemmChoice = DEFAULT_GEMM,
  ) {}

  kernel(name: string, options: KernelOptions = {}): GPUComputePipeline {
    return createKernel(this.device, this.shaders, name, {
      prelude: "dictionary_common",
      ...options,
    });
  }

  pass(pipeline: GPUComputePipeline, resources: GPUBuffer[], grid: [number, number]): Pass {
    return { pipeline, bind: bindBuffers(this.device, pipeline, resources, pipeline.label), grid };
  }

  /** out = act(A) @ W + bias through the chosen dict_matmul_rows variant. */
  matmulRows(
    label: string,
    c: Record<string, number>,
    resources: GPUBuffer[],
    cols4: number,
    rows: number,
  ): Pass {
    return this.matmul("rows", label, c, resources, cols4, rows);
  }

  /** out = Aᵀ G through the chosen dict_matmul_at variant. */
  matmulAt(
    label: string,
    c: Record<string, number>,
    resources: GPUBuffer[],
    cols4: number,
    rows: number,
  ): Pass {
    return this.matmul("at", label, c, resources, cols4, rows);
  }

  private matmul(
    product: GemmProduct,
    label: string,
    c: Record<string, number>,
    resources: GPUBuffer[],
    cols4: number,
    rows: number,
  ): Pass {
    const v = variantForShape(product, this.gemm[product], cols4, rows);
    const pipeline = this.kernel(v.shader, { constants: { ...c, ...v.constants }, label });
    return this.pass(pipeline, resources, v.grid(cols4, rows));
  }

  /** Grid of dict_dense_dpre: 8 rows per invocation, (16, 4) per workgroup. */
  blockedGrid(cols4: number, rows: number): [number, number] {
    return [Math.ceil(cols4 / 16), Math.ceil(rows / 8 / 4)];
  }

  /** x', the decoder norms and pre = x' @ W_enc + b_enc. */
  encode(): Pass[] {
    const { layout, B, b } = this;
    const sp = b.stepParams;
    return [
      this.pass(
        this.kernel("dict_prepare_input"),
        [b.dims, sp, b.x, b.params, b.xPrime],
        grid1d(B * layout.dInP, 64),
      ),
      this.pass(
        this.kernel("dict_decoder_norms"),
        [b.dims, b.params, b.decoderNorms],
        [Math.ceil(layout.fp / 64), 1],
      ),
      this.matmulRows(
        "encode",
        {
          K4: layout.dInP / 4,
          N4: layout.fp / 4,
          OFF_W4: layout.offWEnc / 4,
          OFF_BIAS4: layout.offBEnc / 4,
          RELU_A: 0,
          SUB_Y: 0,
          Y_WIDTH: 1,
        },
        [b.dims, sp, b.xPrime, b.params, b.y, b.pre],
        layout.fp / 4,
        B,
      ),
    ];
  }

  /** The sparse decoder over each row's listed latents, `capacity` entries apart. */
  decode(capacity: number): Pass {
    const b = this.b;
    return this.pass(
      this.kernel("dict_decode", { constants: { CAP: capacity } }),
      [b.dims, b.stepParams, b.pre, b.rowList, b.rowCount, b.params, b.y, b.residual],
      [this.B, 1],
    );
  }

  /** A skip transcoder's residual += x' @ W_skipᵀ (after the decoder). */
  skipForward(): Pass[] {
    const { layout, B, b } = this;
    if (!layout.skip) return [];
    const constants = {
      K4: layout.dInP / 4,
      N4: layout.dOutP / 4,
      OFF_W4: layout.offWSkip / 4,
      OFF_BIAS4: 0,
      RELU_A: 0,
      SUB_Y: 0,
      Y_WIDTH: 1,
      BIAS: 0,
      ACCUMULATE: 1,
    };
    const resources = [b.dims, b.stepParams, b.xPrime, b.params, b.y, b.residual];
    return [this.matmulRows("skip", constants, resources, layout.dOutP / 4, B)];
  }

  /** dW_skipᵀ = (2/B) x'ᵀ resid. */
  skipGradient(): Pass[] {
    const { layout, b } = this;
    if (!layout.skip) return [];
    const constants = {
      A4: layout.dInP / 4,
      G4: layout.dOutP / 4,
      OFF_OUT4: layout.offWSkip / 4,
      DECODER: 0,
      OFF_BIAS4: 0,
      SKIP_GRAD: 1,
    };
    const resources = [
      b.dims,
      b.stepParams,
      b.xPrime,
      b.residual,
      b.params,
      b.decoderNorms,
      b.grads,
    ];
    return [this.matmulAt("skip_grads", constants, resources, layout.dOutP / 4, layout.dInP)];
  }

  /**
   * b_dec's gradient (after db_enc), with AuxK's term when `aux`; `residual` is the [B, dOutP]
   * sum of the residuals of every decode b_dec is in (Matryoshka's prefixes).
   */
  biasDecGradient(aux: boolean, residual: GPUBuffer = this.b.residual): Pass {
    const b = this.b;
    return this.pass(
      this.kernel("dict_bias_dec_grad", { constants: { AUX: aux ? 1 : 0 } }),
      [b.dims, residual, b.params, b.grads, b.arch?.gAux ?? b.residual],
      [Math.ceil(this.layout.dOut / 64), 1],
    );
  }

  /** Once per step, before the first micro-batch: every latent one step older (dict_firing). */
  ageFiring(): Pass {
    const b = this.b;
    return this.pass(
      this.kernel("dict_firing", { entryPoint: "age" }),
      [b.dims, b.colCount, b.firing],
      [Math.ceil(this.layout.fp / 64), 1],
    );
  }

  /** Per micro-batch: latents that fired in it are reset and counted (dict_firing). */
  firing(colCount: GPUBuffer): Pass {
    const b = this.b;
    return this.pass(
      this.kernel("dict_firing"),
      [b.dims, colCount, b.firing],
      [Math.ceil(this.layout.fp / 64), 1],
    );
  }

  /** A split step's running mean of its micro-batches' gradients. */
  accumulate(): Pass[] {
    const b = this.b;
    if (b.gradTotal === b.grads) return [];
    return [
      this.pass(
        this.kernel("dict_grad_accumulate"),
        [b.dims, b.micro, b.grads, b.gradTotal],
        grid1d(this.layout.total, 64),
      ),
    ];
  }

  /** clip_grad_norm_(1.0) and Adam, on the step's gradient. */
  optimizer(): Pass[] {
    const { layout, b } = this;
    const norm = [b.dims, b.gradTotal, b.gradNormPartials, b.clip];
    return [
      this.pass(this.kernel("dict_grad_norm", { entryPoint: "partial" }), norm, [
        GRAD_NORM_SLICES / 64,
        1,
      ]),
      this.pass(this.kernel("dict_grad_norm", { entryPoint: "finish" }), norm, [1, 1]),
      this.pass(
        this.kernel("dict_adam"),
        [b.dims, b.stepParams, b.gradTotal, b.clip, b.params, b.adamM, b.adamV],
        grid1d(layout.total, 64),
      ),
    ];
  }

  metrics(): Pass[] {
    const { layout, B, b } = this;
    const resources = [
      b.dims,
      b.stepParams,
      b.residual,
      b.y,
      b.rowSums,
      b.rowCount,
      b.firing,
      b.metricPartials,
      b.metrics,
      b.micro,
      b.colStats,
    ];
    return [
      this.pass(this.kernel("dict_metrics", { entryPoint: "partial" }), resources, [
        Math.ceil(metricSpan(layout, B) / 64),
        1,
      ]),
      this.pass(this.kernel("dict_metrics", { entryPoint: "finish" }), resources, [1, 1]),
    ];
  }
}

/** The training step's pipelines and bind groups, built once per shape. */
export function buildDictionaryPasses(
  device: GPUDevice,
  shaders: ShaderLibrary,
  layout: ParamLayout,
  B: number,
  b: DictionaryBuffers,
  a: ArchitectureOptions,
  gemm: GemmChoice = DEFAULT_GEMM,
): DictionaryPasses {
  const kit = new PassKit(device, shaders, layout, B, b, gemm);
  if (a.architecture !== "standard") {
    const passes = architecturePasses(kit, a);
    return {
      paths: { sparse: passes, dense: passes },
      metrics: [...kit.metrics(), ...matryoshkaTotals(kit, a)],
      accumulate: kit.accumulate(),
    };
  }
  return { paths: standardPaths(kit), metrics: kit.metrics(), accumulate: kit.accumulate() };
}

/** ReLU + L1 (training-math.md): a sparse path over the active latents and a dense one. */
function standardPaths(kit: PassKit): Record<StepPath, StepPasses> {
  const { layout, B, b } = kit;
  const { fp, dOut, dInP, dOutP } = layout;
  const sp = b.stepParams;
  const forward = [
    ...kit.encode(),
    kit.pass(
      kit.kernel("dict_compact", { entryPoint: "rows" }),
      [b.dims, b.pre, b.decoderNorms, b.rowList, b.rowCount, b.rowSums],
      [Math.ceil(B / 64), 1],
    ),
    kit.pass(
      kit.kernel("dict_compact", { entryPoint: "cols" }),
      [b.dims, b.pre, b.decoderNorms, b.colList, b.colCount, b.colSumF],
      [Math.ceil(fp / 64), 1],
    ),
    kit.firing(b.colCount),
  ];
  const sparse = [
    kit.decode(fp),
    ...kit.skipForward(),
    kit.pass(
      kit.kernel("dict_row_grads"),
      [b.dims, sp, b.rowList, b.rowCount, b.residual, b.params, b.decoderNorms, b.dPre],
      [B, 1],
    ),
    kit.pass(
      kit.kernel("dict_latent_dec_grads"),
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
      grid1d(fp, 1),
    ),
    kit.pass(
      kit.kernel("dict_latent_enc_grads"),
      [b.dims, b.colList, b.colCount, b.dPre, b.xPrime, b.grads],
      grid1d(fp, 1),
    ),
  ];
  const dense = [
    kit.matmulRows(
      "decode_dense",
      {
        K4: fp / 4,
        N4: dOutP / 4,
        OFF_W4: layout.offWDec / 4,
        OFF_BIAS4: layout.offBDec / 4,
        RELU_A: 1,
        SUB_Y: 1,
        Y_WIDTH: dOut,
      },
      [b.dims, sp, b.pre, b.params, b.y, b.residual],
      dOutP / 4,
      B,
    ),
    ...kit.skipForward(),
    kit.pass(
      kit.kernel("dict_dense_dpre", { constants: { D4: dOutP / 4, F4: fp / 4 } }),
      [b.dims, sp, b.residual, b.params, b.decoderNorms, b.pre, b.dPre],
      kit.blockedGrid(fp / 4, B),
    ),
    kit.matmulAt(
      "decoder_grads_dense",
      { A4: fp / 4, G4: dOutP / 4, OFF_OUT4: layout.offWDec / 4, DECODER: 1, OFF_BIAS4: 0 },
      [b.dims, sp, b.pre, b.residual, b.params, b.decoderNorms, b.grads],
      dOutP / 4,
      fp,
    ),
    kit.matmulAt(
      "encoder_grads_dense",
      {
        A4: dInP / 4,
        G4: fp / 4,
        OFF_OUT4: layout.offWEnc / 4,
        DECODER: 0,
        OFF_BIAS4: layout.offBEnc / 4,
      },
      [b.dims, sp, b.xPrime, b.dPre, b.params, b.decoderNorms, b.grads],
      fp / 4,
      dInP,
    ),
  ];
  const tail = [...kit.skipGradient(), kit.biasDecGradient(false)];
  const after = kit.optimizer();
  const start = [kit.ageFiring()];
  return {
    sparse: { start, before: [...forward, ...sparse, ...tail], after },
    dense: { start, before: [...forward, ...dense, ...tail], after },
  };
}

export function dispatch(pass: GPUComputePassEncoder, p: Pass): void {
  pass.setPipeline(p.pipeline);
  pass.setBindGroup(0, p.bind);
  pass.dispatchWorkgroups(p.grid[0], p.grid[1]);
}
