import { seededRandom } from "../dictionary/init.ts";
import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { captureHook, type GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName } from "../model/hooks.ts";
import type { SequenceSource } from "./tokenCorpus.ts";

export interface ActivationStoreOptions {
  /** Hook names whose activations are stored (every consumer's input and target sites). */
  sites: readonly string[];
  /** Rows per served batch (SAELens train_batch_size_tokens). */
  batchSize: number;
  /**
   * SAELens n_batches_in_buffer, in SAELens's unit: store batches of `seqsPerForward`
   * sequences (store_batch_size_prompts), not training batches. Each refill runs the model
   * over half of them: floor(bufferBatches / 2) * seqsPerForward * seqLen tokens.
   */
  bufferBatches: number;
  /** Sequences per forward pass of the model (SAELens store_batch_size_prompts). */
  seqsPerForward: number;
  seed: number;
  /**
   * SAELens exclude_special_tokens: rows whose token is one of these never enter the store
   * (the host knows every row's token, so they are left out when the store is shuffled).
   */
  excludeTokens?: readonly number[];
}

/** Where a consumer wants one site's rows of the next batch ([batchSize, d_model] floats). */
export interface BatchTarget {
  site: string;
  buffer: GPUBuffer;
}

/**
 * Model activations kept on the GPU with SAELens 6's mixing_buffer semantics: each refill adds
 * half a buffer of new rows to the rows kept from before, shuffles them all together, serves
 * floor(rows / (2 * batch)) batches and keeps the rest, remainder included, for the next
 * round. Every site is stored for the same token rows, so a transcoder's (input, target)
 * pairs stay aligned, and every consumer of a batch gets the same rows.
 */
export class ActivationStore {
  /** Rows the model produces per refill, a whole number of forward passes. */
  readonly half: number;
  readonly capacity: number;
  private readonly rowsPerForward: number;
  private readonly d: number;
  private readonly lastLayer: number;
  private readonly exclude: Set<number>;
  /** Per site, two [capacity, d] buffers: the shuffle reads one and writes the other. */
  private buffers: Map<string, [GPUBuffer, GPUBuffer]>;
  /** Per site, the shuffle's bind group for each direction, keyed by the buffer it reads. */
  private readonly shuffleBinds = new Map<GPUBuffer, GPUBindGroup>();
  private readonly index: GPUBuffer;
  private readonly gather: GPUComputePipeline;
  private readonly random: () => number;
  /** Which produced row (0, 1, ... in model order) each buffer row holds; -1: none. */
  private rowIds: Float64Array;
  /** Rows [0, kept) are unserved rows carried over; [kept, kept + serving) are being served. */
  private kept = 0;
  private serving = 0;
  private servedInRound = 0;
  private generated = 0;
  private rowsExcluded = 0;

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
    this.half = Math.max(1, Math.floor(bufferBatches / 2)) * this.rowsPerForward;
    if (this.half < batchSize) {
      throw new Error(
        `the activation store refills ${this.half} tokens at a time (${bufferBatches} store batches ` +
          `of ${seqsPerForward} x ${source.seqLen} tokens, half at a time), fewer than one batch of ` +
          `${batchSize}; raise the store's buffer batches to at least ` +
          `${2 * Math.ceil(batchSize / this.rowsPerForward)}`,
      );
    }
    // Kept rows never exceed half + 2 * batch (mixing_buffer keeps at most T/2 + B of T rows).
    this.capacity = 2 * this.half + 2 * batchSize;
    this.d = model.config.dModel;
    this.exclude = new Set(options.excludeTokens ?? []);
    this.buffers = new Map(
      options.sites.map((s) => [
        s,
        [0, 1].map((i) => createBuffer(device, `store ${s} ${i}`, this.capacity * this.d * 4)) as [
          GPUBuffer,
          GPUBuffer,
        ],
      ]),
    );
    this.rowIds = new Float64Array(this.capacity).fill(-1);
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

  /** Rows left out because their token is excluded (special tokens). */
  get tokensExcluded(): number {
    return this.rowsExcluded;
  }

  /** Rows in the store not served yet (carried over, and the rest of this round's batches). */
  get rowsHeld(): number {
    return this.kept + this.serving - this.servedInRound * this.options.batchSize;
  }

  /** Batches served since the last refill, and how many that refill serves. */
  get round(): { served: number; batches: number } {
    return { served: this.servedInRound, batches: this.serving / this.options.batchSize };
  }

  /**
   * Encodes and submits a copy of the next batch into each target; refills and reshuffles the
   * store first when the batches of the last refill are used up. Nothing is read back.
   */
  nextBatch(targets: readonly BatchTarget[]): void {
    const { batchSize } = this.options;
    if (this.servedInRound * batchSize >= this.serving) this.refill();
    const first = this.kept + this.servedInRound * batchSize;
    const encoder = this.device.createCommandEncoder({ label: "store batch" });
    for (const t of targets) {
      const [, mixed] = this.site(t.site);
      encoder.copyBufferToBuffer(mixed, first * this.d * 4, t.buffer, 0, batchSize * this.d * 4);
    }
    this.device.queue.submit([encoder.finish()]);
    this.servedInRound++;
  }

  /** Which produced rows (0, 1, ... in model order) the last batch served holds. */
  lastBatchRowIds(): Float64Array {
    const { batchSize } = this.options;
    const first = this.kept + (this.servedInRound - 1) * batchSize;
    return this.rowIds.slice(first, first + batchSize);
  }

  /**
   * Round: run the model over half a buffer of new tokens, written after the kept rows; then
   * shuffle kept and new rows (minus excluded tokens) together into the other buffers, which
   * become the mixed ones; serve floor(rows / (2 * batch)) batches from their end and keep the
   * rest at their start. Refills again while there is not one batch (many excluded tokens).
   */
  private refill(): void {
    const { batchSize, seqsPerForward } = this.options;
    const rows: number[] = [];
    for (let i = 0; i < this.kept; i++) rows.push(i);
    let write = this.kept;
    const ids = this.rowIds.slice();
    do {
      for (let r = 0; r < this.half; r += this.rowsPerForward) {
        const tokens = this.source.next(seqsPerForward);
        this.model.setTokens(tokens);
        const encoder = this.device.createCommandEncoder({ label: "store refill" });
        const handlers = [...this.buffers].map(([site, [, mixed]]) =>
          captureHook(site, mixed, write * this.d * 4),
        );
        this.model.encodeForward(encoder, {
          nSeq: seqsPerForward,
          seqLen: this.source.seqLen,
          handlers,
          lastLayer: this.lastLayer,
        });
        this.device.queue.submit([encoder.finish()]);
        for (let t = 0; t < tokens.length; t++) {
          ids[write + t] = this.generated + t;
          if (this.exclude.has(tokens[t]!)) this.rowsExcluded++;
          else rows.push(write + t);
        }
        write += this.rowsPerForward;
        this.generated += this.rowsPerForward;
      }
    } while (rows.length < batchSize && write + this.half <= this.capacity);
    if (rows.length < batchSize) {
      throw new Error(`the stream gives fewer than ${batchSize} rows that are not special tokens`);
    }
    shuffleInPlace(rows, this.random);
    const index = new Uint32Array(this.capacity);
    for (let i = 0; i < this.capacity; i++) index[i] = i < rows.length ? rows[i]! : i;
    this.rowIds = new Float64Array(this.capacity).fill(-1);
    rows.forEach((from, to) => (this.rowIds[to] = ids[from]!));
    this.device.queue.writeBuffer(this.index, 0, index);
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
    this.serving = Math.max(1, Math.floor(rows.length / (2 * batchSize))) * batchSize;
    this.kept = rows.length - this.serving;
    this.servedInRound = 0;
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

function shuffleInPlace(a: number[], random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
