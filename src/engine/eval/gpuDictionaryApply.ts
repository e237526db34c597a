import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { bindBuffers, createBuffer } from "../gpu/kernel.ts";
import type { HookHandler } from "../model/gpuGpt2.ts";
import { ACT_NONE, ACT_RELU, type LinearKernels } from "../model/linearKernels.ts";

/**
 * A trained dictionary's forward pass for splicing into a model: y^ = ReLU(x @ W_enc + b_enc')
 * @ W_dec + b_dec on raw activations, with an SAE's input shift folded into
 * b_enc' = b_enc - b_dec @ W_enc. Two dense products (evaluation, not training).
 */
export class GpuDictionaryApply {
  readonly output: GPUBuffer;
  private readonly run: GPUBuffer;
  private readonly latents: GPUBuffer;
  private readonly buffers: GPUBuffer[];
  private readonly encodePipeline: GPUComputePipeline;
  private readonly encodeWeights: [GPUBuffer, GPUBuffer];
  private readonly decode: { pipeline: GPUComputePipeline; bind: GPUBindGroup };
  private readonly fp: number;
  private boundInput: GPUBuffer | undefined;
  private encodeBind: GPUBindGroup | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly linear: LinearKernels,
    readonly spec: DictionarySpec,
    params: DictionaryParams,
    readonly maxRows: number,
  ) {
    const { dIn, dOut, dSae } = spec;
    if (dIn % 4 !== 0 || dOut % 4 !== 0) {
      throw new Error(`d_in (${dIn}) and d_out (${dOut}) must be multiples of 4 to splice`);
    }
    const fp = Math.ceil(dSae / 4) * 4;
    this.fp = fp;
    const wEnc = new Float32Array(dIn * fp);
    for (let r = 0; r < dIn; r++) wEnc.set(params.wEnc.subarray(r * dSae, (r + 1) * dSae), r * fp);
    const bEnc = new Float32Array(fp);
    for (let j = 0; j < dSae; j++) {
      let b = params.bEnc[j] as number;
      if (spec.kind === "sae" && spec.applyBDecToInput) {
        for (let k = 0; k < dIn; k++)
          b -= (params.bDec[k] as number) * (params.wEnc[k * dSae + j] as number);
      }
      bEnc[j] = b;
    }
    const wDec = new Float32Array(fp * dOut);
    wDec.set(params.wDec);
    const upload = (label: string, data: Float32Array) => {
      const b = createBuffer(device, label, data.byteLength);
      device.queue.writeBuffer(b, 0, data as Float32Array<ArrayBuffer>);
      return b;
    };
    const wEncB = upload("splice W_enc", wEnc);
    const bEncB = upload("splice b_enc", bEnc);
    const wDecB = upload("splice W_dec", wDec);
    const bDecB = upload("splice b_dec", Float32Array.from(params.bDec));
    this.run = createBuffer(
      device,
      "splice run",
      16,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.latents = createBuffer(device, "splice latents", maxRows * fp * 4);
    this.output = createBuffer(device, "splice output", maxRows * dOut * 4);
    this.buffers = [wEncB, bEncB, wDecB, bDecB, this.run, this.latents, this.output];
    this.encodePipeline = linear.pipeline(dIn, fp, ACT_RELU);
    this.encodeWeights = [wEncB, bEncB];
    const dec = linear.pipeline(fp, dOut, ACT_NONE);
    this.decode = {
      pipeline: dec,
      bind: bindBuffers(device, dec, [this.run, this.latents, wDecB, bDecB, this.output]),
    };
  }

  /** Encodes output[:rows] = dictionary(input[:rows]). */
  encodeApply(encoder: GPUCommandEncoder, input: GPUBuffer, rows: number): void {
    if (rows > this.maxRows) throw new RangeError(`${rows} rows exceed ${this.maxRows}`);
    this.device.queue.writeBuffer(this.run, 0, new Uint32Array([rows, 1, rows, 0]));
    if (this.boundInput !== input) {
      this.encodeBind = bindBuffers(this.device, this.encodePipeline, [
        this.run,
        input,
        ...this.encodeWeights,
        this.latents,
      ]);
      this.boundInput = input;
    }
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.encodePipeline);
    pass.setBindGroup(0, this.encodeBind!);
    pass.dispatchWorkgroups(...this.linear.grid(this.fp, rows));
    pass.setPipeline(this.decode.pipeline);
    pass.setBindGroup(0, this.decode.bind);
    pass.dispatchWorkgroups(...this.linear.grid(this.spec.dOut, rows));
    pass.end();
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
    for (const b of this.buffers) b.destroy();
  }
}
