/**
 * The passes of GpuDictionary's training step (both paths), rebuilt here with the bench's own
 * buffers so that each pass (the dense encoder product above all) can be timed alone. Buffers,
 * bindings, override constants and grids mirror src/engine/train/gpuDictionary.ts; `sums()` runs
 * a whole step with the metrics passes so that the bench can check the mirror against
 * GpuDictionary on the same parameters (update this file when GpuDictionary changes).
 */
import { bindBuffers, createBuffer, createKernel, grid1d } from "../src/engine/gpu/kernel.ts";
import type { ShaderLibrary } from "../src/engine/gpu/shaderLibrary.ts";
import { packParams, paramLayout, type ParamLayout } from "../src/engine/dictionary/layout.ts";
import type { DictionaryParams, DictionarySpec } from "../src/engine/dictionary/spec.ts";

/** SLICES in dict_grad_norm.wgsl. */
const GRAD_NORM_SLICES = 1024;

/** GpuDictionary's two kinds of step: the decoder side over the active latents, or dense. */
export type Path = "sparse" | "dense";

export interface MirrorPass {
  name: string;
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: [number, number];
}

export class StepPasses {
  /**
   * Builds the mirror and fails (instead of timing invalid work) when it no longer matches the
   * shaders: a missing file throws, a binding that the WGSL does not declare is a validation error.
   */
  static async create(
    device: GPUDevice,
    shaders: ShaderLibrary,
    spec: DictionarySpec,
    batchSize: number,
  ): Promise<StepPasses> {
    device.pushErrorScope("validation");
    let mirror: StepPasses;
    try {
      mirror = new StepPasses(device, shaders, spec, batchSize);
    } catch (err) {
      await device.popErrorScope();
      throw err;
    }
    const error = await device.popErrorScope();
    if (error) {
      mirror.destroy();
      throw new Error(`the mirrored passes do not match the shaders: ${error.message}`);
    }
    return mirror;
  }

  readonly layout: ParamLayout;
  /** Every pass, by name. */
  readonly passes = new Map<string, MirrorPass>();
  /** Pass names of a step on each path, in GpuDictionary's order; the metrics go before `after`. */
  readonly paths: Record<Path, { before: string[]; after: string[] }>;
  private readonly metricsPasses: MirrorPass[];
  private readonly buffers: GPUBuffer[] = [];
  private readonly params: GPUBuffer;
  private readonly x: GPUBuffer;
  private readonly y: GPUBuffer;
  private readonly stepUniform: GPUBuffer;
  private readonly metricsOut: GPUBuffer;
  private readonly clip: GPUBuffer;
  private readonly staging: GPUBuffer;
  /** Passes dispatched at least once (their first dispatch may pay one-time costs). */
  private readonly warm = new Set<string>();

  private constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    readonly spec: DictionarySpec,
    readonly batchSize: number,
  ) {
    const layout = paramLayout(spec);
    this.layout = layout;
    const B = batchSize;
    const { fp, dIn, dOut, dInP, dOutP } = layout;
    const f32 = 4;
    const make = (label: string, bytes: number, usage?: number) => {
      const b = createBuffer(device, `bench.${label}`, bytes, usage);
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
    const m = make("adamM", layout.total * f32);
    const v = make("adamV", layout.total * f32);
    const firing = make("firing", 2 * fp * 4);
    this.x = make("x", B * dIn * f32);
    this.y = spec.kind === "sae" ? this.x : make("y", B * dOut * f32);
    const xp = make("xPrime", B * dInP * f32);
    const pre = make("pre", B * fp * f32);
    const dpre = make("dPre", B * fp * f32);
    const rowList = make("rowList", B * fp * 4);
    const rowCount = make("rowCount", B * 4);
    const colList = make("colList", fp * B * 4);
    const colCount = make("colCount", fp * 4);
    const norms = make("decoderNorms", fp * f32);
    const resid = make("residual", B * dOutP * f32);
    const rowL1 = make("rowL1", B * f32);
    this.clip = make("clip", 2 * f32);
    const gradPartials = make("gradNormPartials", GRAD_NORM_SLICES * f32);
    const metricSpan = Math.max(dOut, B, layout.dSae);
    const metricPartials = make("metricPartials", 2 * metricSpan * 16);
    this.metricsOut = make("metrics", 8 * f32);
    this.staging = make("staging", 8 * f32, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

    const kernel = (
      file: string,
      options: { entryPoint?: string; constants?: Record<string, number> } = {},
    ) => createKernel(device, shaders, file, { prelude: "dictionary_common", ...options });
    const sp = this.stepUniform;
    const pass = (
      name: string,
      pipeline: GPUComputePipeline,
      resources: GPUBuffer[],
      grid: [number, number],
    ): string => {
      this.passes.set(name, {
        name,
        pipeline,
        bind: bindBuffers(device, pipeline, resources, name),
        grid,
      });
      return name;
    };
    // Register-blocked kernels: 8 rows per invocation, (16, 4) invocations per workgroup.
    const blockedGrid = (cols4: number, rows: number): [number, number] => [
      Math.ceil(cols4 / 16),
      Math.ceil(rows / 8 / 4),
    ];
    const forward = [
      pass(
        "prepare_input",
        kernel("dict_prepare_input"),
        [dims, sp, this.x, this.params, xp],
        grid1d(B * dInP, 64),
      ),
      pass(
        "decoder_norms",
        kernel("dict_decoder_norms"),
        [dims, this.params, norms],
        [Math.ceil(fp / 64), 1],
      ),
      pass(
        "encode",
        kernel("dict_matmul_rows", {
          constants: {
            K4: dInP / 4,
            N4: fp / 4,
            OFF_W4: layout.offWEnc / 4,
            OFF_BIAS4: layout.offBEnc / 4,
            RELU_A: 0,
            SUB_Y: 0,
            Y_WIDTH: 1,
          },
        }),
        [dims, sp, xp, this.params, this.y, pre],
        blockedGrid(fp / 4, B),
      ),
      pass(
        "compact_rows",
        kernel("dict_compact", { entryPoint: "rows" }),
        [dims, pre, norms, rowList, rowCount, rowL1],
        [Math.ceil(B / 64), 1],
      ),
      pass(
        "compact_cols",
        kernel("dict_compact", { entryPoint: "cols" }),
        [dims, pre, norms, colList, colCount, rowL1],
        [Math.ceil(fp / 64), 1],
      ),
      pass("firing", kernel("dict_firing"), [dims, colCount, firing], [Math.ceil(fp / 64), 1]),
    ];
    const sparse = [
      pass(
        "decode",
        kernel("dict_decode"),
        [dims, sp, pre, rowList, rowCount, this.params, this.y, resid],
        [B, 1],
      ),
      pass(
        "row_grads",
        kernel("dict_row_grads"),
        [dims, sp, rowList, rowCount, resid, this.params, norms, dpre],
        [B, 1],
      ),
      pass(
        "latent_dec_grads",
        kernel("dict_latent_dec_grads"),
        [dims, sp, colList, colCount, pre, resid, this.params, norms, grads],
        [fp, 1],
      ),
      pass(
        "latent_enc_grads",
        kernel("dict_latent_enc_grads"),
        [dims, colList, colCount, dpre, xp, grads],
        [fp, 1],
      ),
    ];
    const dense = [
      pass(
        "decode_dense",
        kernel("dict_matmul_rows", {
          constants: {
            K4: fp / 4,
            N4: dOutP / 4,
            OFF_W4: layout.offWDec / 4,
            OFF_BIAS4: layout.offBDec / 4,
            RELU_A: 1,
            SUB_Y: 1,
            Y_WIDTH: dOut,
          },
        }),
        [dims, sp, pre, this.params, this.y, resid],
        blockedGrid(dOutP / 4, B),
      ),
      pass(
        "dpre_dense",
        kernel("dict_dense_dpre", { constants: { D4: dOutP / 4, F4: fp / 4 } }),
        [dims, sp, resid, this.params, norms, pre, dpre],
        blockedGrid(fp / 4, B),
      ),
      pass(
        "decoder_grads_dense",
        kernel("dict_matmul_at", {
          constants: {
            A4: fp / 4,
            G4: dOutP / 4,
            OFF_OUT4: layout.offWDec / 4,
            DECODER: 1,
            OFF_BIAS4: 0,
          },
        }),
        [dims, sp, pre, resid, this.params, norms, grads],
        blockedGrid(dOutP / 4, fp),
      ),
      pass(
        "encoder_grads_dense",
        kernel("dict_matmul_at", {
          constants: {
            A4: dInP / 4,
            G4: fp / 4,
            OFF_OUT4: layout.offWEnc / 4,
            DECODER: 0,
            OFF_BIAS4: layout.offBEnc / 4,
          },
        }),
        [dims, sp, xp, dpre, this.params, norms, grads],
        blockedGrid(fp / 4, dInP),
      ),
    ];
    const biasDec = pass(
      "bias_dec_grad",
      kernel("dict_bias_dec_grad"),
      [dims, resid, this.params, grads],
      [Math.ceil(dOut / 64), 1],
    );
    const after = [
      pass(
        "grad_norm_partial",
        kernel("dict_grad_norm", { entryPoint: "partial" }),
        [dims, grads, gradPartials, this.clip],
        [GRAD_NORM_SLICES / 64, 1],
      ),
      pass(
        "grad_norm_finish",
        kernel("dict_grad_norm", { entryPoint: "finish" }),
        [dims, grads, gradPartials, this.clip],
        [1, 1],
      ),
      pass(
        "adam",
        kernel("dict_adam"),
        [dims, sp, grads, this.clip, this.params, m, v],
        grid1d(layout.total, 64),
      ),
    ];
    this.paths = {
      sparse: { before: [...forward, ...sparse, biasDec], after },
      dense: { before: [...forward, ...dense, biasDec], after },
    };
    const metricsResources = [
      dims,
      sp,
      resid,
      this.y,
      rowL1,
      rowCount,
      firing,
      metricPartials,
      this.metricsOut,
    ];
    const metric = (entryPoint: string, grid: [number, number]): MirrorPass => {
      const pipeline = kernel("dict_metrics", { entryPoint });
      const bind = bindBuffers(device, pipeline, metricsResources, entryPoint);
      return { name: `metrics_${entryPoint}`, pipeline, bind, grid };
    };
    this.metricsPasses = [
      metric("partial", [Math.ceil(metricSpan / 64), 1]),
      metric("finish", [1, 1]),
    ];
    // Adam's step 1 with lr 0 leaves the parameters as they are when a pass is repeated.
    device.queue.writeBuffer(
      this.stepUniform,
      0,
      new Float32Array([1e-3, 1, 1, 0, Math.sqrt(1 - 0.999), 1000, 0, 0]),
    );
  }

  /** The pass names of a whole step on `path`, in order (without the metrics). */
  stepPasses(path: Path): string[] {
    return [...this.paths[path].before, ...this.paths[path].after];
  }

  setL1Coefficient(l1: number): void {
    this.device.queue.writeBuffer(this.stepUniform, 0, new Float32Array([l1]));
  }

  load(p: DictionaryParams, x: Float32Array<ArrayBuffer>, y?: Float32Array<ArrayBuffer>): void {
    this.device.queue.writeBuffer(this.params, 0, packParams(this.layout, p));
    this.device.queue.writeBuffer(this.x, 0, x);
    if (this.spec.kind === "transcoder") this.device.queue.writeBuffer(this.y, 0, y!);
  }

  /** Encodes `reps` repetitions of the passes named, in the order given. */
  submit(reps: number, names: readonly string[]): void {
    const chosen = names.map((n) => {
      const p = this.passes.get(n);
      if (!p) throw new Error(`unknown pass ${n}`);
      return p;
    });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let r = 0; r < reps; r++) for (const p of chosen) dispatch(pass, p);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    for (const n of names) this.warm.add(n);
  }

  /** Milliseconds per repetition of the passes named, after an untimed one if any is cold. */
  async time(reps: number, names: readonly string[]): Promise<number> {
    if (names.some((n) => !this.warm.has(n))) this.submit(1, names);
    await this.device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    this.submit(reps, names);
    await this.device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / reps;
  }

  /** A whole step on `path` with the metrics passes, ordered as GpuDictionary orders them. */
  async sums(path: Path): Promise<{ sumSquaredError: number; sumL0: number; gradNorm: number }> {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const n of this.paths[path].before) dispatch(pass, this.passes.get(n)!);
    for (const m of this.metricsPasses) dispatch(pass, m);
    for (const n of this.paths[path].after) dispatch(pass, this.passes.get(n)!);
    pass.end();
    encoder.copyBufferToBuffer(this.metricsOut, 0, this.staging, 0, 5 * 4);
    encoder.copyBufferToBuffer(this.clip, 4, this.staging, 5 * 4, 4);
    this.device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    const a = new Float32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    return { sumSquaredError: a[0]!, sumL0: a[2]!, gradNorm: a[5]! };
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}

function dispatch(pass: GPUComputePassEncoder, p: MirrorPass): void {
  pass.setPipeline(p.pipeline);
  pass.setBindGroup(0, p.bind);
  pass.dispatchWorkgroups(p.grid[0], p.grid[1]);
}
