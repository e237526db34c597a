import { activationOf, type DictionaryParams, type DictionarySpec } from "../dictionary/spec.ts";
import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { HookHandler } from "../model/gpuGpt2.ts";
import { ACT_NONE, ACT_RELU, type LinearKernels } from "../model/linearKernels.ts";
import { applyWeights } from "./dictionaryApplyWeights.ts";
import { GpuBatchTopk } from "./gpuBatchTopk.ts";
import { GpuTopkRows } from "./gpuTopkRows.ts";

/** Stands for the buffer given to encodeApply in a step's bindings. */
const INPUT = Symbol("input");
type Resource = GPUBuffer | typeof INPUT;

interface Step {
  pipeline: GPUComputePipeline;
  resources: Resource[];
  grid: (rows: number) => [number, number];
  bind?: GPUBindGroup;
}

export interface ApplyOptions {
  /**
   * Compute latents as a BatchTopK dictionary does while it trains (SAELens's BatchTopK): ReLU,
   * then the int(k·rows) largest over all the rows of each encodeApply, instead of the spec's
   * activation (a saved BatchTopK is a JumpReLU with the running threshold).
   */
  batchTopK?: number;
  /** Count each row's non-zero latents into activeCounts. */
  countActive?: boolean;
}

const NORM_MODE = { none: 0, layer_norm: 1, constant_norm_rescale: 2 } as const;

/**
 * A trained dictionary's forward pass on raw activations, for splicing into a model and for
 * reading latents, every architecture of spec.ts:
 * 1. layer_norm / constant_norm_rescale: x' = (x − shift)·scale per row, stats kept; then an
 *    SAE's input shift x' − b_dec, on the input as SAELens does (dict_apply_prepare_input);
 * 2. pre = x' @ W_enc + b_enc; ReLU fused into the product;
 * 3. JumpReLU in place (dict_apply_jumprelu), or TopK in place with its index list
 *    (dict_topk_rows), or with options.batchTopK the batch's selection (GpuBatchTopk); with
 *    options.countActive, each row's L0 (dict_apply_count_active);
 * 4. decode: TopK sparsely over its k listed latents (dict_apply_sparse_decode), the others as a
 *    dense product;
 * 5. an SAE's y = y'·outScale + shift (a transcoder's output is not mapped back: SAELens's
 *    Transcoder), then + x_raw @ W_skipᵀ (a dense product), in dict_apply_finish.
 */
export class GpuDictionaryApply {
  readonly output: GPUBuffer;
  /** Latents [maxRows, latentStride] after encodeApply (columns d_sae and up are 0). */
  readonly latents: GPUBuffer;
  /** d_sae rounded up to a multiple of 4. */
  readonly latentStride: number;
  /** TopK only: [maxRows, k] u32, each row's kept latents in increasing order. */
  readonly topkIndices: GPUBuffer | undefined;
  /** With options.countActive: [maxRows] u32, each row's non-zero latents. */
  readonly activeCounts: GPUBuffer | undefined;
  private readonly batchTopk: GpuBatchTopk | undefined;
  private readonly run: GPUBuffer;
  private readonly buffers: GPUBuffer[] = [];
  private readonly steps: Step[] = [];
  private boundInput: GPUBuffer | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly linear: LinearKernels,
    readonly spec: DictionarySpec,
    params: DictionaryParams,
    readonly maxRows: number,
    options: ApplyOptions = {},
  ) {
    const { dIn, dOut, dSae } = spec;
    const w = applyWeights(spec, params);
    const fp = w.fp;
    this.latentStride = fp;
    const limit = device.limits.maxStorageBufferBindingSize;
    for (const [what, bytes] of [
      ["W_enc", w.wEnc.byteLength],
      ["W_dec", w.wDec.byteLength],
      [`latents of ${maxRows} rows`, maxRows * fp * 4],
    ] as const) {
      if (bytes > limit) {
        throw new Error(`${what} take ${bytes} bytes, above this device's ${limit}-byte binding`);
      }
    }
    const shaders = linear.shaders;
    const buffer = (label: string, bytes: number, usage?: number) => {
      const b = createBuffer(device, `dictionary ${label}`, bytes, usage);
      this.buffers.push(b);
      return b;
    };
    const upload = (label: string, data: Float32Array<ArrayBuffer>) => {
      const b = buffer(label, data.byteLength);
      device.queue.writeBuffer(b, 0, data);
      return b;
    };
    const run = buffer("run", 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    this.run = run;
    this.latents = buffer("latents", maxRows * fp * 4);
    this.output = buffer("output", maxRows * dOut * 4);
    const kernel = (name: string, constants: Record<string, number>) =>
      createKernel(device, shaders, name, { prelude: "gpt2_common", constants });
    const perRow = (rows: number) => grid1d(rows, 1);

    const norm = spec.normalizeActivations;
    const perToken = norm === "layer_norm" || norm === "constant_norm_rescale";
    const shift = spec.kind === "sae" && spec.applyBDecToInput;
    const bDec = upload("b_dec", w.bDec);
    let stats: GPUBuffer | undefined;
    let encodeInput: Resource = INPUT;
    if (perToken || shift) {
      const rowStats = buffer("row stats", maxRows * 16);
      const prepared = buffer("prepared input", maxRows * dIn * 4);
      this.steps.push({
        pipeline: kernel("dict_apply_prepare_input", {
          D4: dIn / 4,
          MODE: NORM_MODE[perToken ? norm : "none"],
          SHIFT: shift ? 1 : 0,
        }),
        resources: [run, INPUT, prepared, rowStats, bDec],
        grid: perRow,
      });
      encodeInput = prepared;
      if (perToken && spec.kind === "sae") stats = rowStats;
    }

    const act = activationOf(spec);
    const batchK = options.batchTopK;
    const relu = batchK !== undefined || act.kind === "relu";
    const encode = linear.pipeline(dIn, fp, relu ? ACT_RELU : ACT_NONE);
    this.steps.push({
      pipeline: encode,
      resources: [run, encodeInput, upload("W_enc", w.wEnc), upload("b_enc", w.bEnc), this.latents],
      grid: (rows) => linear.grid(fp, rows),
    });

    const wDec = upload("W_dec", w.wDec);
    if (batchK !== undefined) {
      const shape = { n: dSae, stride: fp, k: batchK, maxRows };
      this.batchTopk = new GpuBatchTopk(device, shaders, shape, run, this.latents);
      this.steps.push(...this.batchTopk.steps);
    }
    if (options.countActive) {
      this.activeCounts = buffer("active counts", maxRows * 4);
    }
    if (batchK === undefined && act.kind === "topk") {
      const topk = new GpuTopkRows(device, shaders, {
        n: dSae,
        stride: fp,
        k: act.k,
        relu: act.relu ?? true,
      });
      this.topkIndices = buffer("topk indices", maxRows * act.k * 4);
      this.steps.push({
        pipeline: topk.pipeline,
        resources: [run, this.latents, this.topkIndices],
        grid: perRow,
      });
      this.steps.push({
        pipeline: kernel("dict_apply_sparse_decode", { K: act.k, STRIDE: fp, D4: dOut / 4 }),
        resources: [run, this.latents, this.topkIndices, wDec, bDec, this.output],
        grid: perRow,
      });
    } else {
      if (batchK === undefined && act.kind === "jumprelu") {
        const elements = fp / 4;
        this.steps.push({
          pipeline: kernel("dict_apply_jumprelu", { FP4: elements, RELU: act.relu ? 1 : 0 }),
          resources: [run, upload("threshold", w.threshold!), this.latents],
          grid: (rows) => grid1d(rows * elements, 64),
        });
      }
      this.steps.push({
        pipeline: linear.pipeline(fp, dOut, ACT_NONE),
        resources: [run, this.latents, wDec, bDec, this.output],
        grid: (rows) => linear.grid(dOut, rows),
      });
    }
    if (this.activeCounts) {
      this.steps.push({
        pipeline: kernel("dict_apply_count_active", { FP: fp }),
        resources: [run, this.latents, this.activeCounts],
        grid: perRow,
      });
    }

    let skip: GPUBuffer | undefined;
    if (w.wSkipT) {
      skip = buffer("skip output", maxRows * dOut * 4);
      this.steps.push({
        pipeline: linear.pipeline(dIn, dOut, ACT_NONE),
        resources: [run, INPUT, upload("W_skip^T", w.wSkipT), buffer("zero bias", dOut * 4), skip],
        grid: (rows) => linear.grid(dOut, rows),
      });
    }
    if (stats || skip) {
      const placeholder = () => buffer("unbound", 16);
      this.steps.push({
        pipeline: kernel("dict_apply_finish", {
          D4: dOut / 4,
          NORM: stats ? 1 : 0,
          SKIP: skip ? 1 : 0,
        }),
        resources: [run, stats ?? placeholder(), skip ?? placeholder(), this.output],
        grid: (rows) => grid1d((rows * dOut) / 4, 64),
      });
    }
  }

  /** Encodes output[:rows] = dictionary(input[:rows]) and latents[:rows]. */
  encodeApply(encoder: GPUCommandEncoder, input: GPUBuffer, rows: number): void {
    if (rows > this.maxRows) throw new RangeError(`${rows} rows exceed ${this.maxRows}`);
    if (rows === 0) return;
    this.device.queue.writeBuffer(this.run, 0, new Uint32Array([rows, 1, rows, 0]));
    this.batchTopk?.writeState(rows);
    if (this.boundInput !== input) {
      for (const step of this.steps) {
        if (step.bind && !step.resources.includes(INPUT)) continue;
        const buffers = step.resources.map((r) => (r === INPUT ? input : r));
        step.bind = bindBuffers(this.device, step.pipeline, buffers);
      }
      this.boundInput = input;
    }
    const pass = encoder.beginComputePass();
    for (const step of this.steps) {
      pass.setPipeline(step.pipeline);
      pass.setBindGroup(0, step.bind!);
      pass.dispatchWorkgroups(...step.grid(rows));
    }
    pass.end();
  }

  /** The latents of the last encodeApply's first `rows` rows, [rows, d_sae] (tests, inspector). */
  async readLatents(rows: number): Promise<Float32Array<ArrayBuffer>> {
    const { dSae } = this.spec;
    const padded = await readFloats(this.device, this.latents, rows * this.latentStride);
    if (this.latentStride === dSae) return padded;
    const out = new Float32Array(rows * dSae);
    for (let r = 0; r < rows; r++) {
      out.set(padded.subarray(r * this.latentStride, r * this.latentStride + dSae), r * dSae);
    }
    return out;
  }

  /**
   * Hook handlers that splice this dictionary into a forward pass: read `inputHook`, and
   * replace `outputHook`'s activations with the reconstruction (they may be the same hook) at
   * `replaceRows` (default: every row); other rows keep their activations.
   */
  spliceHandlers(
    inputHook: string,
    outputHook: string,
    replaceRows?: readonly (readonly [number, number])[],
  ): HookHandler[] {
    const rowBytes = this.spec.dOut * 4;
    return [
      {
        hook: inputHook,
        run: (encoder, site) => this.encodeApply(encoder, site.buffer, site.rows),
      },
      {
        hook: outputHook,
        run: (encoder, site) => {
          for (const [start, end] of replaceRows ?? [[0, site.rows] as const]) {
            const bytes = (Math.min(end, site.rows) - start) * rowBytes;
            if (bytes > 0) {
              encoder.copyBufferToBuffer(
                this.output,
                start * rowBytes,
                site.buffer,
                start * rowBytes,
                bytes,
              );
            }
          }
        },
      },
    ];
  }

  destroy(): void {
    this.batchTopk?.destroy();
    for (const b of this.buffers) b.destroy();
  }
}
