import { seededRandom } from "../dictionary/init.ts";
import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { captureHook, type GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName } from "../model/hooks.ts";
import type { SequenceSource } from "./tokenCorpus.ts";

export interface ActivationStoreOptions {
  /** Hook names whose activations are stored (every consumer's input and target sites). */
  sites: readonly string[];
  /** Rows per served batch. */
  batchSize: number;
  /** SAELens n_batches_in_buffer: the store holds about this many batches. */
  bufferBatches: number;
  /** Sequences per forward pass of the model. */
  seqsPerForward: number;
  seed: number;
}

/** Where a consumer wants one site's rows of the next batch ([batchSize, d_model] floats). */
export interface BatchTarget {
  site: string;
  buffer: GPUBuffer;
}

/**
 * Model activations kept on the GPU with SAELens's mixing semantics: fill the buffer, shuffle,
 * serve one half in batches while the other half stays to be mixed with the next refill.
 * Every site is stored for the same token rows, so a transcoder's (input, target) pairs stay
 * aligned, and every consumer of a batch gets the same rows (several dictionaries, one stream).
 */
export class ActivationStore {
  /** Rows refilled (and served) per round; a multiple of the rows of one forward pass. */
  readonly half: number;
  readonly capacity: number;
  readonly batchesPerRound: number;
  private readonly rowsPerForward: number;
  private readonly d: number;
  private readonly lastLayer: number;
  /** Per site, two [capacity, d] buffers: the shuffle reads one and writes the other. */
  private buffers: Map<string, [GPUBuffer, GPUBuffer]>;
  /** Per site, the shuffle's bind group for each direction, keyed by the buffer it reads. */
  private readonly shuffleBinds = new Map<GPUBuffer, GPUBindGroup>();
  private readonly index: GPUBuffer;
  private readonly gather: GPUComputePipeline;
  private readonly random: () => number;
  private served = Infinity;
  private filled = false;
  private generated = 0;

  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    private readonly model: GpuGpt2,
    private readonly source: SequenceSource,
    readonly options: ActivationStoreOptions,
  ) {
    const { batchSize, bufferBatches, seqsPerForward } = options;
    if (options.sites.length === 0) throw new Error("an activation store needs at least one site");
    this.lastLayer = Math.max(
      ...options.sites.map((s) => parseHookName(s, model.config.nLayer).layer),
    );
    this.rowsPerForward = seqsPerForward * source.seqLen;
    if (this.rowsPerForward > model.maxRows) {
      throw new Error(
        `${this.rowsPerForward} rows per forward pass exceed the model's ${model.maxRows}`,
      );
    }
    const wanted = Math.max(batchSize, Math.ceil((bufferBatches * batchSize) / 2));
    this.half = Math.ceil(wanted / this.rowsPerForward) * this.rowsPerForward;
    this.capacity = 2 * this.half;
    this.batchesPerRound = Math.floor(this.half / batchSize);
    this.d = model.config.dModel;
    this.buffers = new Map(
      options.sites.map((s) => [
        s,
        [0, 1].map((i) => createBuffer(device, `store ${s} ${i}`, this.capacity * this.d * 4)) as [
          GPUBuffer,
          GPUBuffer,
        ],
      ]),
    );
    this.index = createBuffer(device, "store permutation", this.capacity * 4);
    this.gather = createKernel(device, shaders, "rows_gather", {
      constants: { N: this.capacity, W: this.d },
    });
    for (const [a, b] of this.buffers.values()) {
      this.shuffleBinds.set(a, bindBuffers(device, this.gather, [this.index, a, b]));
      this.shuffleBinds.set(b, bindBuffers(device, this.gather, [this.index, b, a]));
    }
    this.random = seededRandom(options.seed);
  }

  /** Tokens the model has run over for this store. */
  get tokensGenerated(): number {
    return this.generated;
  }

  /**
   * Encodes and submits a copy of the next batch into each target; refills and reshuffles the
   * store first when the served half is used up. Nothing is read back.
   */
  nextBatch(targets: readonly BatchTarget[]): void {
    if (this.served >= this.batchesPerRound) this.refill();
    const { batchSize } = this.options;
    const offset = (this.half + this.served * batchSize) * this.d * 4;
    const encoder = this.device.createCommandEncoder({ label: "store batch" });
    for (const t of targets) {
      const [, mixed] = this.site(t.site);
      encoder.copyBufferToBuffer(mixed, offset, t.buffer, 0, batchSize * this.d * 4);
    }
    this.device.queue.submit([encoder.finish()]);
    this.served++;
  }

  /** The first `rows` rows of a site's shuffled buffer (for estimating normalization scales). */
  async sample(site: string, rows: number): Promise<Float32Array> {
    if (this.served >= this.batchesPerRound) this.refill();
    const [, mixed] = this.site(site);
    return readFloats(this.device, mixed, Math.min(rows, this.capacity) * this.d);
  }

  /**
   * Round: run the model to fill the served half (everything, the first time) of the mixed
   * buffers, then shuffle all rows into the other buffers, which become the mixed ones.
   */
  private refill(): void {
    const start = this.filled ? this.half : 0;
    for (let row = start; row < this.capacity; row += this.rowsPerForward) {
      this.model.setTokens(this.source.next(this.options.seqsPerForward));
      const encoder = this.device.createCommandEncoder({ label: "store refill" });
      const handlers = [...this.buffers].map(([site, [, mixed]]) =>
        captureHook(site, mixed, row * this.d * 4),
      );
      this.model.encodeForward(encoder, {
        nSeq: this.options.seqsPerForward,
        seqLen: this.source.seqLen,
        handlers,
        lastLayer: this.lastLayer,
      });
      this.device.queue.submit([encoder.finish()]);
      this.generated += this.rowsPerForward;
    }
    this.filled = true;
    this.device.queue.writeBuffer(this.index, 0, this.permutation());
    const encoder = this.device.createCommandEncoder({ label: "store shuffle" });
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.gather);
    for (const [site, [other, mixed]] of this.buffers) {
      pass.setBindGroup(0, this.shuffleBinds.get(mixed)!);
      const [x, y] = grid1d(this.capacity * this.d, 64);
      pass.dispatchWorkgroups(x, y);
      this.buffers.set(site, [mixed, other]);
    }
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    this.served = 0;
  }

  private permutation(): Uint32Array<ArrayBuffer> {
    const p = new Uint32Array(this.capacity);
    for (let i = 0; i < p.length; i++) p[i] = i;
    for (let i = p.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }

  private site(name: string): [GPUBuffer, GPUBuffer] {
    const b = this.buffers.get(name);
    if (!b) throw new Error(`the activation store does not hold ${JSON.stringify(name)}`);
    return b;
  }

  destroy(): void {
    for (const pair of this.buffers.values()) pair.forEach((b) => b.destroy());
    this.index.destroy();
  }
}
