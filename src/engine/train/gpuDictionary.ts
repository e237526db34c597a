import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { packParams, paramLayout, unpackParams, type ParamLayout } from "../dictionary/layout.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";

/** What one training step needs from the host besides the batch (all already scheduled). */
export interface StepScalars {
  l1Coefficient: number;
  lr: number;
  /** Adam's step count t, starting at 1. */
  adamStep: number;
  sIn: number;
  sOut: number;
  deadFeatureWindow: number;
}

/** Raw sums from dict_metrics.wgsl for one batch; the trainer turns them into SAELens metrics. */
export interface BatchSums {
  sumSquaredError: number;
  sumL1: number;
  sumL0: number;
  targetVariance: number;
  deadFeatures: number;
  gradNorm: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const STAGING_FLOATS = 8;
/** SLICES in dict_grad_norm.wgsl. */
const GRAD_NORM_SLICES = 1024;

export type StepPath = "sparse" | "dense";

interface Pass {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: [number, number];
}

/**
 * A dictionary's parameters, Adam state and per-batch scratch buffers on one GPU device,
 * for a fixed batch size, with the training step encoded as one compute pass.
 */
export class GpuDictionary {
  readonly layout: ParamLayout;
  readonly batchSize: number;
  private readonly buffers: GPUBuffer[] = [];
  private readonly params: GPUBuffer;
  private readonly grads: GPUBuffer;
  private readonly m: GPUBuffer;
  private readonly v: GPUBuffer;
  private readonly firing: GPUBuffer;
  private readonly x: GPUBuffer;
  private readonly y: GPUBuffer;
  private readonly stepUniform: GPUBuffer;
  private readonly metricsOut: GPUBuffer;
  private readonly clip: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly densityStaging: GPUBuffer;
  private readonly paths: Record<StepPath, { before: Pass[]; after: Pass[] }>;
  private readonly metricsPasses: Pass[];

  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    readonly spec: DictionarySpec,
    batchSize: number,
  ) {
    if (spec.kind === "sae" && spec.dIn !== spec.dOut) {
      throw new Error(`an SAE needs d_in == d_out (got ${spec.dIn} and ${spec.dOut})`);
    }
    const layout = paramLayout(spec);
    checkFits(device, layout, batchSize);
    this.layout = layout;
    this.batchSize = batchSize;
    const B = batchSize;
    const { fp, dIn, dOut, dInP, dOutP } = layout;
    const f32 = 4;
    const make = (label: string, bytes: number, usage?: number) => {
      const b = createBuffer(device, label, bytes, usage);
      this.buffers.push(b);
      return b;
    };
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const dims = make("dims", 16 * 4, uniform);
    const applyBDec = spec.kind === "sae" && spec.applyBDecToInput ? 1 : 0;
    device.queue.writeBuffer(
      dims,
      0,
      new Uint32Array([
        B,
        dIn,
        dOut,
        layout.dSae,
        fp,
        layout.offWEnc,
        layout.offBEnc,
        layout.offWDec,
        layout.offBDec,
        layout.total,
        applyBDec,
        dInP,
        dOutP,
        0,
        0,
        0,
      ]),
    );
    this.stepUniform = make("stepParams", 8 * 4, uniform);
    this.params = make("params", layout.total * f32);
    const grads = make("grads", layout.total * f32);
    this.grads = grads;
    this.m = make("adamM", layout.total * f32);
    this.v = make("adamV", layout.total * f32);
    this.firing = make("firing", 2 * fp * 4);
    this.x = make("x", B * dIn * f32);
    this.y = spec.kind === "sae" ? this.x : make("y", B * dOut * f32);
    const xp = make("xPrime", B * dInP * f32);
    const pre = make("pre", B * fp * f32);
    const dpre = make("dPre", B * fp * f32);
    const rowList = make("rowList", B * fp * 4);
    const rowCount = make("rowCount", B * 4);
    const colList = make("colList", fp * B * 4);
    const colCount = make("colCount", fp * 4);
    const colSumF = make("colSumF", fp * f32);
    const norms = make("decoderNorms", fp * f32);
    const resid = make("residual", B * dOutP * f32);
    const rowL1 = make("rowL1", B * f32);
    this.clip = make("clip", 2 * f32);
    const gradPartials = make("gradNormPartials", GRAD_NORM_SLICES * f32);
    const metricSpan = Math.max(dOut, B, layout.dSae);
    const metricPartials = make("metricPartials", 2 * metricSpan * 16);
    this.metricsOut = make("metrics", STAGING_FLOATS * f32);
    const mapRead = GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
    this.staging = make("metricsStaging", STAGING_FLOATS * f32, mapRead);
    this.densityStaging = make("densityStaging", fp * 4, mapRead);

    const kernel = (
      name: string,
      options: { entryPoint?: string; constants?: Record<string, number>; label?: string } = {},
    ) => createKernel(device, shaders, name, { prelude: "dictionary_common", ...options });
    const sp = this.stepUniform;
    const pass = (
      pipeline: GPUComputePipeline,
      resources: GPUBuffer[],
      grid: [number, number],
    ) => ({
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
      pass(kernel("dict_prepare_input"), [dims, sp, this.x, this.params, xp], grid1d(B * dInP, 64)),
      pass(kernel("dict_decoder_norms"), [dims, this.params, norms], [Math.ceil(fp / 64), 1]),
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
        [dims, sp, xp, this.params, this.y, pre],
        blockedGrid(fp / 4, B),
      ),
      pass(
        kernel("dict_compact", { entryPoint: "rows" }),
        [dims, pre, norms, rowList, rowCount, rowL1],
        [Math.ceil(B / 64), 1],
      ),
      pass(
        kernel("dict_compact", { entryPoint: "cols" }),
        [dims, pre, norms, colList, colCount, colSumF],
        [Math.ceil(fp / 64), 1],
      ),
      pass(kernel("dict_firing"), [dims, colCount, this.firing], [Math.ceil(fp / 64), 1]),
    ];
    const sparse = [
      pass(
        kernel("dict_decode"),
        [dims, sp, pre, rowList, rowCount, this.params, this.y, resid],
        [B, 1],
      ),
      pass(
        kernel("dict_row_grads"),
        [dims, sp, rowList, rowCount, resid, this.params, norms, dpre],
        [B, 1],
      ),
      pass(
        kernel("dict_latent_dec_grads"),
        [dims, sp, colList, colCount, colSumF, pre, resid, this.params, norms, grads],
        [fp, 1],
      ),
      pass(kernel("dict_latent_enc_grads"), [dims, colList, colCount, dpre, xp, grads], [fp, 1]),
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
        [dims, sp, pre, this.params, this.y, resid],
        blockedGrid(dOutP / 4, B),
      ),
      pass(
        kernel("dict_dense_dpre", { constants: { D4: dOutP / 4, F4: fp / 4 } }),
        [dims, sp, resid, this.params, norms, pre, dpre],
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
        [dims, sp, pre, resid, this.params, norms, grads],
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
        [dims, sp, xp, dpre, this.params, norms, grads],
        blockedGrid(fp / 4, dInP),
      ),
    ];
    const optimizer = [
      pass(
        kernel("dict_bias_dec_grad"),
        [dims, resid, this.params, grads],
        [Math.ceil(dOut / 64), 1],
      ),
      pass(
        kernel("dict_grad_norm", { entryPoint: "partial" }),
        [dims, grads, gradPartials, this.clip],
        [GRAD_NORM_SLICES / 64, 1],
      ),
      pass(
        kernel("dict_grad_norm", { entryPoint: "finish" }),
        [dims, grads, gradPartials, this.clip],
        [1, 1],
      ),
      pass(
        kernel("dict_adam"),
        [dims, sp, grads, this.clip, this.params, this.m, this.v],
        grid1d(layout.total, 64),
      ),
    ];
    this.paths = {
      sparse: { before: [...forward, ...sparse, optimizer[0]!], after: optimizer.slice(1) },
      dense: { before: [...forward, ...dense, optimizer[0]!], after: optimizer.slice(1) },
    };
    const metricsResources = [
      dims,
      sp,
      resid,
      this.y,
      rowL1,
      rowCount,
      this.firing,
      metricPartials,
      this.metricsOut,
    ];
    this.metricsPasses = [
      pass(kernel("dict_metrics", { entryPoint: "partial" }), metricsResources, [
        Math.ceil(metricSpan / 64),
        1,
      ]),
      pass(kernel("dict_metrics", { entryPoint: "finish" }), metricsResources, [1, 1]),
    ];
  }

  setParams(p: DictionaryParams): void {
    this.device.queue.writeBuffer(this.params, 0, packParams(this.layout, p));
  }

  /** Clears Adam's moments and the firing statistics (a fresh optimizer). */
  resetOptimizer(): void {
    const zeros = new Float32Array(this.layout.total);
    this.device.queue.writeBuffer(this.m, 0, zeros);
    this.device.queue.writeBuffer(this.v, 0, zeros);
    this.device.queue.writeBuffer(this.firing, 0, new Uint32Array(2 * this.layout.fp));
  }

  /** Copies a batch of rows (x [B, dIn], and y [B, dOut] for a transcoder) to the GPU. */
  uploadBatch(x: Float32Array<ArrayBuffer>, y?: Float32Array<ArrayBuffer>): void {
    this.device.queue.writeBuffer(this.x, 0, x);
    if (this.spec.kind === "transcoder") {
      if (!y) throw new Error("a transcoder batch needs targets y");
      this.device.queue.writeBuffer(this.y, 0, y);
    }
  }

  /**
   * Encodes and submits one training step; if `withMetrics`, also the batch sums for read-back.
   * `path` picks the decoder-side kernels: "sparse" follows the active latents (cheap at low L0),
   * "dense" uses register-blocked products over all latents (cheaper when many are active).
   */
  step(scalars: StepScalars, withMetrics: boolean, path: StepPath = "sparse"): void {
    const bc1 = 1 - Math.pow(BETA1, scalars.adamStep);
    const bc2 = 1 - Math.pow(BETA2, scalars.adamStep);
    this.device.queue.writeBuffer(
      this.stepUniform,
      0,
      new Float32Array([
        scalars.l1Coefficient,
        scalars.sIn,
        scalars.sOut,
        scalars.lr / bc1,
        Math.sqrt(bc2),
        scalars.deadFeatureWindow,
        0,
        0,
      ]),
    );
    const encoder = this.device.createCommandEncoder({ label: "dictionary step" });
    const pass = encoder.beginComputePass();
    const { before, after } = this.paths[path];
    for (const p of before) dispatch(pass, p);
    // Metrics read the forward pass's buffers and this step's firing update, before the
    // optimizer changes anything.
    if (withMetrics) for (const m of this.metricsPasses) dispatch(pass, m);
    for (const p of after) dispatch(pass, p);
    pass.end();
    if (withMetrics) {
      encoder.copyBufferToBuffer(this.metricsOut, 0, this.staging, 0, 5 * 4);
      encoder.copyBufferToBuffer(this.clip, 4, this.staging, 5 * 4, 4);
    }
    this.device.queue.submit([encoder.finish()]);
  }

  /**
   * For the benchmark: milliseconds per pass of a step on `path`, each pass submitted and
   * waited for on its own, averaged over `iterations` (the parameters keep changing).
   */
  async profilePasses(
    scalars: StepScalars,
    path: StepPath,
    iterations: number,
    only?: string[],
  ): Promise<Record<string, number>> {
    this.step(scalars, false, path);
    const { before, after } = this.paths[path];
    const passes = [...before, ...after].filter((p) => !only || only.includes(p.pipeline.label));
    const totals: Record<string, number> = {};
    for (let it = 0; it < iterations; it++) {
      for (const p of passes) {
        await this.idle();
        const start = performance.now();
        const encoder = this.device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        dispatch(pass, p);
        pass.end();
        this.device.queue.submit([encoder.finish()]);
        await this.idle();
        const name = p.pipeline.label;
        totals[name] = (totals[name] ?? 0) + (performance.now() - start) / iterations;
      }
    }
    return totals;
  }

  /** Reads the sums of the last step submitted with metrics (waits for the GPU). */
  async readBatchSums(): Promise<BatchSums> {
    await this.staging.mapAsync(GPUMapMode.READ);
    const a = new Float32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    return {
      sumSquaredError: a[0]!,
      sumL1: a[1]!,
      sumL0: a[2]!,
      targetVariance: a[3]!,
      deadFeatures: a[4]!,
      gradNorm: a[5]!,
    };
  }

  /** Fires per latent since the previous call (or the optimizer reset); restarts the count. */
  async readFireCounts(): Promise<Uint32Array> {
    const bytes = this.layout.fp * 4;
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.firing, bytes, this.densityStaging, 0, bytes);
    encoder.clearBuffer(this.firing, bytes, bytes);
    this.device.queue.submit([encoder.finish()]);
    await this.densityStaging.mapAsync(GPUMapMode.READ);
    const counts = new Uint32Array(
      this.densityStaging.getMappedRange().slice(0, this.layout.dSae * 4),
    );
    this.densityStaging.unmap();
    return counts;
  }

  async readParams(): Promise<DictionaryParams> {
    return unpackParams(this.layout, await this.readFlat(this.params));
  }

  /** The last step's gradients before clipping (for tests and debugging). */
  async readGradients(): Promise<DictionaryParams> {
    return unpackParams(this.layout, await this.readFlat(this.grads));
  }

  private async readFlat(source: GPUBuffer): Promise<Float32Array> {
    const bytes = this.layout.total * 4;
    const staging = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(source, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const flat = new Float32Array(staging.getMappedRange().slice(0, bytes));
    staging.unmap();
    staging.destroy();
    return flat;
  }

  async idle(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}

function dispatch(pass: GPUComputePassEncoder, p: Pass): void {
  pass.setPipeline(p.pipeline);
  pass.setBindGroup(0, p.bind);
  pass.dispatchWorkgroups(p.grid[0], p.grid[1]);
}

/** Refuses shapes whose largest buffer the device cannot bind, with what to change. */
function checkFits(device: GPUDevice, layout: ParamLayout, batchSize: number): void {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const perBatch = batchSize * layout.fp * 4;
  if (perBatch > limit) {
    throw new Error(
      `batch ${batchSize} x d_sae ${layout.dSae} needs ${mib(perBatch)} buffers, over this ` +
        `adapter's ${mib(limit)} per binding: use a smaller batch (at most ` +
        `${Math.floor(limit / (layout.fp * 4))})`,
    );
  }
  if (layout.total * 4 > limit) {
    throw new Error(
      `a dictionary of ${layout.total} parameters needs ${mib(layout.total * 4)}, over this ` +
        `adapter's ${mib(limit)} per binding: use a smaller d_sae`,
    );
  }
}
