import { gemmChoiceFor, type GemmChoice } from "../gpu/gemmVariants.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { packParams, paramLayout, unpackParams, type ParamLayout } from "../dictionary/layout.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import {
  checkArchitecture,
  matryoshkaWidthsOf,
  STANDARD,
  thresholdStorage,
  type ArchitectureOptions,
} from "./architecture.ts";
import {
  allocateDictionaryBuffers,
  bindingLimit,
  METRIC_SUMS,
  planMicroBatches,
  type DictionaryBuffers,
  type MicroBatching,
} from "./dictionaryBuffers.ts";
import {
  buildDictionaryPasses,
  dispatch,
  type Pass,
  type StepPasses,
  type StepPath,
} from "./dictionaryPasses.ts";

/** What one training step needs from the host besides the batch (all already scheduled). */
export interface StepScalars {
  /** The sparsity penalty's coefficient: L1 (standard) or L0 (jumprelu); unused otherwise. */
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
  /** Σ_b of the row's sparsity term before its coefficient: L1, or JumpReLU's tanh sum. */
  sumL1: number;
  sumL0: number;
  targetVariance: number;
  /** Latents dead after this step's firing update (as SAELens logs dead_features). */
  deadFeatures: number;
  /** Σ_b of AuxK's loss times its scale, or of the pre-activation term, before coefficients. */
  sumExtra: number;
  gradNorm: number;
  /** BatchTopK: the running threshold τ after this step's update. */
  topkThreshold?: number;
  /** Matryoshka: Σ_b Σ_d (prefix decode − y)² for each width but the last. */
  innerSquaredErrors?: { width: number; sum: number }[];
}

/**
 * Everything a training step reads from one step to the next, packed as on the GPU: enough to
 * continue training with the same numbers (a checkpoint).
 */
export interface DictionaryState {
  params: Float32Array<ArrayBuffer>;
  adamM: Float32Array<ArrayBuffer>;
  adamV: Float32Array<ArrayBuffer>;
  /** Per latent: steps since it last fired, then fires in the density window. */
  firing: Uint32Array<ArrayBuffer>;
}

const BETA1 = 0.9;
const BETA2 = 0.999;

export type { StepPath } from "./dictionaryPasses.ts";

/**
 * A dictionary's parameters, Adam state and per-batch scratch buffers on one GPU device,
 * for a fixed batch size and training architecture, with the training step encoded as one
 * compute pass. The parameters are the training ones (SAELens's state_dict): TopK's decoder
 * norms are not folded in, BatchTopK's `threshold` is τ for every latent.
 */
export class GpuDictionary {
  readonly layout: ParamLayout;
  readonly batchSize: number;
  private readonly b: DictionaryBuffers;
  private readonly paths: Record<StepPath, StepPasses>;
  private readonly metricsPasses: Pass[];
  private readonly accumulatePasses: Pass[];
  /** How each step's batch is split so that its buffers fit the adapter's bindings. */
  readonly microBatching: MicroBatching;
  /** Matryoshka: the widths with an inner loss (all but the last); else empty. */
  private readonly innerWidths: number[];

  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    readonly spec: DictionarySpec,
    batchSize: number,
    readonly architecture: ArchitectureOptions = STANDARD,
    /** The dense products' kernels; by default those chosen for the device (acquireDevice). */
    gemm: GemmChoice = gemmChoiceFor(device),
    /** Bytes one binding may hold; by default the device's limit (tests pass less). */
    maxBindingBytes: number = bindingLimit(device),
  ) {
    if (spec.kind === "sae" && spec.dIn !== spec.dOut) {
      throw new Error(`an SAE needs d_in == d_out (got ${spec.dIn} and ${spec.dOut})`);
    }
    checkArchitecture(spec, architecture, batchSize);
    const layout = paramLayout(spec, thresholdStorage(architecture));
    const split = planMicroBatches(maxBindingBytes, layout, batchSize, architecture);
    this.layout = layout;
    this.batchSize = batchSize;
    this.microBatching = split;
    this.innerWidths = matryoshkaWidthsOf(architecture, spec.dSae).slice(0, -1);
    const buffers = allocateDictionaryBuffers(device, spec, layout, batchSize, architecture, split);
    this.b = buffers;
    const passes = buildDictionaryPasses(
      device,
      shaders,
      layout,
      split.rows,
      buffers,
      architecture,
      gemm,
    );
    this.paths = passes.paths;
    this.metricsPasses = passes.metrics;
    this.accumulatePasses = passes.accumulate;
  }

  setParams(p: DictionaryParams): void {
    this.device.queue.writeBuffer(this.b.params, 0, packParams(this.layout, p));
  }

  /** Clears Adam's moments and the firing statistics (a fresh optimizer). */
  resetOptimizer(): void {
    const zeros = new Float32Array(this.layout.total);
    this.device.queue.writeBuffer(this.b.adamM, 0, zeros);
    this.device.queue.writeBuffer(this.b.adamV, 0, zeros);
    this.device.queue.writeBuffer(this.b.firing, 0, new Uint32Array(2 * this.layout.fp));
  }

  /** The raw input batch x [B, d_in] the next step reads (write it before the step). */
  get batchInput(): GPUBuffer {
    return this.b.batchX;
  }

  /** The raw target batch y [B, d_out]; the same buffer as batchInput for an SAE. */
  get batchTarget(): GPUBuffer {
    return this.b.batchY;
  }

  /** Copies a batch of rows (x [B, dIn], and y [B, dOut] for a transcoder) to the GPU. */
  uploadBatch(x: Float32Array<ArrayBuffer>, y?: Float32Array<ArrayBuffer>): void {
    this.device.queue.writeBuffer(this.b.batchX, 0, x);
    if (this.spec.kind === "transcoder") {
      if (!y) throw new Error("a transcoder batch needs targets y");
      this.device.queue.writeBuffer(this.b.batchY, 0, y);
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
      this.b.stepParams,
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
    const { start, before, after } = this.paths[path];
    // Metrics read the forward pass's buffers and this step's firing update, before the
    // optimizer changes anything.
    const metrics = withMetrics ? this.metricsPasses : [];
    if (this.microBatching.count === 1) {
      encodePass(encoder, start, before, metrics, after);
    } else {
      encodePass(encoder, start);
      this.encodeMicroBatches(encoder, before, metrics, this.accumulatePasses);
      encodePass(encoder, after);
    }
    if (withMetrics) {
      const staging = this.b.metricsStaging;
      encoder.copyBufferToBuffer(this.b.metrics, 0, staging, 0, METRIC_SUMS * 4);
      encoder.copyBufferToBuffer(this.b.clip, 4, staging, METRIC_SUMS * 4, 4);
      if (this.layout.threshold === "scalar") {
        const tau = this.layout.offThreshold * 4;
        encoder.copyBufferToBuffer(this.b.params, tau, staging, (METRIC_SUMS + 1) * 4, 4);
      }
      const inner = this.innerWidths.length;
      if (inner > 0) {
        const sums = this.b.arch!.innerSums!;
        const totals = inner * this.microBatching.rows * 4;
        encoder.copyBufferToBuffer(sums, totals, this.b.arch!.innerStaging!, 0, inner * 4);
      }
    }
    this.device.queue.submit([encoder.finish()]);
  }

  /** Each micro-batch's rows copied in before its passes (copies cannot run inside a pass). */
  private encodeMicroBatches(encoder: GPUCommandEncoder, ...passes: Pass[][]): void {
    const { rows, count } = this.microBatching;
    const { dIn, dOut } = this.spec;
    const b = this.b;
    for (let m = 0; m < count; m++) {
      encoder.copyBufferToBuffer(b.microTable!, 16 * m, b.micro, 0, 16);
      encoder.copyBufferToBuffer(b.batchX, m * rows * dIn * 4, b.x, 0, rows * dIn * 4);
      if (b.y !== b.x) {
        encoder.copyBufferToBuffer(b.batchY, m * rows * dOut * 4, b.y, 0, rows * dOut * 4);
      }
      encodePass(encoder, ...passes);
    }
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
    const { start, before, after } = this.paths[path];
    const passes = [...start, ...before, ...after].filter(
      (p) => !only || only.includes(p.pipeline.label),
    );
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
    await this.b.metricsStaging.mapAsync(GPUMapMode.READ);
    const a = new Float32Array(this.b.metricsStaging.getMappedRange().slice(0));
    this.b.metricsStaging.unmap();
    return {
      sumSquaredError: a[0]!,
      sumL1: a[1]!,
      sumL0: a[2]!,
      targetVariance: a[3]!,
      deadFeatures: a[4]!,
      sumExtra: a[5]!,
      gradNorm: a[6]!,
      ...(this.layout.threshold === "scalar" ? { topkThreshold: a[7]! } : {}),
      ...(this.innerWidths.length > 0
        ? { innerSquaredErrors: await this.readInnerSquaredErrors() }
        : {}),
    };
  }

  private async readInnerSquaredErrors(): Promise<{ width: number; sum: number }[]> {
    const staging = this.b.arch!.innerStaging!;
    await staging.mapAsync(GPUMapMode.READ);
    const sums = new Float32Array(staging.getMappedRange().slice(0, this.innerWidths.length * 4));
    staging.unmap();
    return this.innerWidths.map((width, l) => ({ width, sum: sums[l]! }));
  }

  /** Fires per latent since the previous call (or the optimizer reset); restarts the count. */
  async readFireCounts(): Promise<Uint32Array> {
    const bytes = this.layout.fp * 4;
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(this.b.firing, bytes, this.b.densityStaging, 0, bytes);
    encoder.clearBuffer(this.b.firing, bytes, bytes);
    this.device.queue.submit([encoder.finish()]);
    await this.b.densityStaging.mapAsync(GPUMapMode.READ);
    const counts = new Uint32Array(
      this.b.densityStaging.getMappedRange().slice(0, this.layout.dSae * 4),
    );
    this.b.densityStaging.unmap();
    return counts;
  }

  async readState(): Promise<DictionaryState> {
    const firing = await readFloats(this.device, this.b.firing, 2 * this.layout.fp);
    return {
      params: await this.readFlat(this.b.params),
      adamM: await this.readFlat(this.b.adamM),
      adamV: await this.readFlat(this.b.adamV),
      firing: new Uint32Array(firing.buffer),
    };
  }

  writeState(state: DictionaryState): void {
    const { total, fp } = this.layout;
    const check = (name: string, a: ArrayLike<number>, n: number) => {
      if (a.length !== n)
        throw new Error(`checkpoint ${name} has ${a.length} values; expected ${n}`);
    };
    check("params", state.params, total);
    check("adamM", state.adamM, total);
    check("adamV", state.adamV, total);
    check("firing", state.firing, 2 * fp);
    this.device.queue.writeBuffer(this.b.params, 0, state.params);
    this.device.queue.writeBuffer(this.b.adamM, 0, state.adamM);
    this.device.queue.writeBuffer(this.b.adamV, 0, state.adamV);
    this.device.queue.writeBuffer(this.b.firing, 0, state.firing);
  }

  async readParams(): Promise<DictionaryParams> {
    return unpackParams(this.layout, await this.readFlat(this.b.params));
  }

  /**
   * The last step's gradients before clipping (for tests and debugging); JumpReLU's `threshold`
   * holds the gradient with respect to log θ.
   */
  async readGradients(): Promise<DictionaryParams> {
    return unpackParams(this.layout, await this.readFlat(this.b.gradTotal), true);
  }

  private readFlat(source: GPUBuffer): Promise<Float32Array<ArrayBuffer>> {
    return readFloats(this.device, source, this.layout.total);
  }

  async idle(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    for (const buffer of this.b.all) buffer.destroy();
  }
}

/** One compute pass dispatching the groups in order. */
function encodePass(encoder: GPUCommandEncoder, ...groups: Pass[][]): void {
  const pass = encoder.beginComputePass();
  for (const group of groups) for (const p of group) dispatch(pass, p);
  pass.end();
}
