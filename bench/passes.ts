/**
 * The passes of GpuDictionary's training step, rebuilt here with the bench's own buffers so that
 * each pass (the dense encoder product above all) can be timed alone. Buffers, bindings and
 * grids mirror src/engine/train/gpuDictionary.ts; `sums()` runs the whole step with the metrics
 * passes so that the bench can check the mirror against GpuDictionary on the same parameters.
 */
import { bindBuffers, createBuffer, createKernel, grid1d } from "../src/engine/gpu/kernel.ts";
import type { ShaderLibrary } from "../src/engine/gpu/shaderLibrary.ts";
import { packParams, paramLayout, type ParamLayout } from "../src/engine/dictionary/layout.ts";
import type { DictionaryParams, DictionarySpec } from "../src/engine/dictionary/spec.ts";

/** SLICES in dict_grad_norm.wgsl. */
const GRAD_NORM_SLICES = 1024;
/** ROWS in dict_encode.wgsl times its workgroup's height. */
const ENCODE_ROWS = 8;

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
  readonly passes: MirrorPass[];
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
    const { fp, dIn, dOut } = layout;
    const f32 = 4;
    const make = (label: string, bytes: number, usage?: number) => {
      const b = createBuffer(device, `bench.${label}`, bytes, usage);
      this.buffers.push(b);
      return b;
    };
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    const dims = make("dims", 12 * 4, uniform);
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
    const xp = make("xPrime", B * dIn * f32);
    const pre = make("pre", B * fp * f32);
    const dpre = make("dPre", B * fp * f32);
    const rowList = make("rowList", B * fp * 4);
    const rowCount = make("rowCount", B * 4);
    const colList = make("colList", fp * B * 4);
    const colCount = make("colCount", fp * 4);
    const norms = make("decoderNorms", fp * f32);
    const resid = make("residual", B * dOut * f32);
    const rowL1 = make("rowL1", B * f32);
    this.clip = make("clip", 2 * f32);
    const gradPartials = make("gradNormPartials", GRAD_NORM_SLICES * f32);
    const metricSpan = Math.max(dOut, B, layout.dSae);
    const metricPartials = make("metricPartials", 2 * metricSpan * 16);
    this.metricsOut = make("metrics", 8 * f32);
    this.staging = make("staging", 8 * f32, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);

    const kernel = (file: string, entryPoint?: string) =>
      createKernel(device, shaders, file, { prelude: "dictionary_common", entryPoint });
    const sp = this.stepUniform;
    const pass = (
      name: string,
      pipeline: GPUComputePipeline,
      resources: GPUBuffer[],
      grid: [number, number],
    ): MirrorPass => ({
      name,
      pipeline,
      bind: bindBuffers(device, pipeline, resources, name),
      grid,
    });
    this.passes = [
      pass(
        "prepare_input",
        kernel("dict_prepare_input"),
        [dims, sp, this.x, this.params, xp],
        grid1d(B * dIn, 64),
      ),
      pass(
        "decoder_norms",
        kernel("dict_decoder_norms"),
        [dims, this.params, norms],
        [Math.ceil(fp / 64), 1],
      ),
      pass(
        "encode",
        kernel("dict_encode"),
        [dims, xp, this.params, pre],
        [Math.ceil(fp / 4 / 16), Math.ceil(B / ENCODE_ROWS / 4)],
      ),
      pass(
        "compact_rows",
        kernel("dict_compact", "rows"),
        [dims, pre, rowList, rowCount],
        [Math.ceil(B / 64), 1],
      ),
      pass(
        "compact_cols",
        kernel("dict_compact", "cols"),
        [dims, pre, colList, colCount],
        [Math.ceil(fp / 64), 1],
      ),
      pass(
        "decode",
        kernel("dict_decode"),
        [dims, sp, pre, rowList, rowCount, this.params, norms, this.y, resid, rowL1],
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
        [dims, sp, colList, colCount, pre, resid, this.params, norms, grads, firing],
        [fp, 1],
      ),
      pass(
        "latent_enc_grads",
        kernel("dict_latent_enc_grads"),
        [dims, colList, colCount, dpre, xp, grads],
        [fp, 1],
      ),
      pass(
        "bias_dec_grad",
        kernel("dict_bias_dec_grad"),
        [dims, resid, this.params, grads],
        [Math.ceil(dOut / 64), 1],
      ),
      pass(
        "grad_norm_partial",
        kernel("dict_grad_norm", "partial"),
        [dims, grads, gradPartials, this.clip],
        [GRAD_NORM_SLICES / 64, 1],
      ),
      pass(
        "grad_norm_finish",
        kernel("dict_grad_norm", "finish"),
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
    this.metricsPasses = [
      pass("metrics_partial", kernel("dict_metrics", "partial"), metricsResources, [
        Math.ceil(metricSpan / 64),
        1,
      ]),
      pass("metrics_finish", kernel("dict_metrics", "finish"), metricsResources, [1, 1]),
    ];
    // Adam's step 1 with lr 0 leaves the parameters as they are when a pass is repeated.
    device.queue.writeBuffer(
      this.stepUniform,
      0,
      new Float32Array([1e-3, 1, 1, 0, Math.sqrt(1 - 0.999), 1000, 0, 0]),
    );
  }

  setL1Coefficient(l1: number): void {
    this.device.queue.writeBuffer(this.stepUniform, 0, new Float32Array([l1]));
  }

  load(p: DictionaryParams, x: Float32Array<ArrayBuffer>, y?: Float32Array<ArrayBuffer>): void {
    this.device.queue.writeBuffer(this.params, 0, packParams(this.layout, p));
    this.device.queue.writeBuffer(this.x, 0, x);
    if (this.spec.kind === "transcoder") this.device.queue.writeBuffer(this.y, 0, y!);
  }

  /** Encodes `reps` repetitions of the passes named (all of them in step order if omitted). */
  submit(reps: number, names?: readonly string[]): void {
    const chosen = names ? this.passes.filter((p) => names.includes(p.name)) : this.passes;
    if (names && chosen.length !== names.length) throw new Error(`unknown pass in ${names}`);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let r = 0; r < reps; r++) for (const p of chosen) dispatch(pass, p);
    pass.end();
    for (const p of chosen) this.warm.add(p.name);
    this.device.queue.submit([encoder.finish()]);
  }

  /** Milliseconds per repetition of the passes named, after an untimed one if any is cold. */
  async time(reps: number, names?: readonly string[]): Promise<number> {
    if (this.passes.some((p) => (!names || names.includes(p.name)) && !this.warm.has(p.name))) {
      this.submit(1, names);
    }
    await this.device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    this.submit(reps, names);
    await this.device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / reps;
  }

  /** The whole step with the metrics passes before the optimizer, as GpuDictionary orders them. */
  async sums(): Promise<{ sumSquaredError: number; sumL0: number; gradNorm: number }> {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    const optimizerStart = this.passes.length - 3;
    this.passes.forEach((p, index) => {
      if (index === optimizerStart) for (const m of this.metricsPasses) dispatch(pass, m);
      dispatch(pass, p);
    });
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
