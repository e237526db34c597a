import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { GpuDictionaryApply } from "../eval/gpuDictionaryApply.ts";
import { bindBuffers, createBuffer, createKernel } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName } from "../model/hooks.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import { foldForDashboards } from "./dashboardFold.ts";
import {
  HISTOGRAM_BINS,
  INTERVAL_BINS,
  INTERVAL_SAMPLES,
  TOP_EXAMPLES,
  type FeatureExample,
  type FeatureStats,
} from "./featureStats.ts";
import type { FeatureWindows } from "./featureWindows.ts";

export interface FeatureStatsOptions {
  /** Seeds the interval samples' reservoir. */
  seed: number;
  /** Token ids whose positions are left out of every statistic (GPT-2: [50256]). */
  excludeTokens: readonly number[];
  signal?: AbortSignal;
  /** Tokens read so far, of 2 · windows (the pass reads every window twice). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Hook activations up to this size are kept on the GPU between the two reads, so the second
   * runs the dictionary alone; above it the model runs again. Default 256 MiB.
   */
  cacheBytes?: number;
}

const STATS_WORDS = 5;
const EMPTY = 0xffffffff;
/** Chunks encoded between waits for the queue (progress, cancellation). */
const CHUNKS_PER_WAIT = 4;

/**
 * Per-feature statistics of a dictionary over a model's activations, with its decoder norms
 * folded in as SAEDashboard folds them (dashboardFold.ts), in two reads of the windows
 * (features_stats.wgsl): the first gathers counts, sums, max, min and the top examples;
 * the second, knowing each feature's max and min, the histograms and interval samples. The
 * second read takes the hook activations kept on the GPU when they fit (cacheBytes), else it
 * runs the model again. Accumulators stay on the GPU; one chunk of latents exists at a time and
 * nothing is read back until the end.
 */
export class FeatureStatsPass {
  readonly apply: GpuDictionaryApply;
  private readonly first: GPUComputePipeline;
  private readonly second: GPUComputePipeline;
  private readonly uniform: GPUBuffer;
  private readonly included: GPUBuffer;
  private readonly stats: GPUBuffer;
  private readonly top: GPUBuffer;
  private readonly hist: GPUBuffer;
  private readonly samples: GPUBuffer;
  private readonly input: GPUBuffer;
  private readonly scale: GPUBuffer;
  private readonly binds: [GPUBindGroup, GPUBindGroup];
  private readonly layer: number;

  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    private readonly model: GpuGpt2,
    readonly spec: DictionarySpec,
    params: DictionaryParams,
  ) {
    const rows = model.maxRows;
    this.layer = parseHookName(spec.hookName, model.config.nLayer).layer;
    const folded = foldForDashboards(spec, params);
    this.apply = new GpuDictionaryApply(
      device,
      new LinearKernels(device, shaders),
      spec,
      folded.params,
      rows,
    );
    const n = spec.dSae;
    this.scale = createBuffer(device, "features latent scale", n * 4);
    device.queue.writeBuffer(this.scale, 0, folded.latentScale ?? new Float32Array(n).fill(1));
    const constants = {
      N: n,
      STRIDE: this.apply.latentStride,
      K: TOP_EXAMPLES,
      BINS: HISTOGRAM_BINS,
      INTERVALS: INTERVAL_BINS,
      SAMPLES: INTERVAL_SAMPLES,
    };
    const kernel = (entryPoint: string) =>
      createKernel(device, shaders, "features_stats", { entryPoint, constants });
    this.first = kernel("first");
    this.second = kernel("second");
    this.uniform = createBuffer(
      device,
      "features run",
      16,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    this.included = createBuffer(device, "features included rows", rows * 4);
    this.stats = createBuffer(device, "features stats", n * STATS_WORDS * 4);
    this.top = createBuffer(device, "features top", n * TOP_EXAMPLES * 8);
    this.hist = createBuffer(device, "features histograms", n * HISTOGRAM_BINS * 8);
    this.samples = createBuffer(
      device,
      "features samples",
      n * INTERVAL_BINS * INTERVAL_SAMPLES * 12,
    );
    this.input = createBuffer(device, "features cached input", rows * spec.dIn * 4);
    const resources = [
      this.uniform,
      this.apply.latents,
      this.included,
      this.stats,
      this.top,
      this.hist,
      this.samples,
      this.scale,
    ];
    this.binds = [
      bindBuffers(device, this.first, resources),
      bindBuffers(device, this.second, resources),
    ];
  }

  async run(windows: FeatureWindows, options: FeatureStatsOptions): Promise<FeatureStats> {
    const { device, model, spec } = this;
    const { seqLen, count } = windows;
    const nSeq = Math.floor(model.maxRows / seqLen);
    if (nSeq < 1) throw new RangeError(`windows of ${seqLen} tokens exceed the model's buffers`);
    const n = spec.dSae;
    device.queue.writeBuffer(this.stats, 0, new Uint32Array(n * STATS_WORDS));
    device.queue.writeBuffer(this.top, 0, new Uint32Array(n * TOP_EXAMPLES * 2));
    device.queue.writeBuffer(this.hist, 0, new Uint32Array(n * HISTOGRAM_BINS * 2));
    device.queue.writeBuffer(
      this.samples,
      0,
      new Uint32Array(n * INTERVAL_BINS * INTERVAL_SAMPLES * 3).fill(EMPTY),
    );
    const rowBytes = spec.dIn * 4;
    const cacheBytes = count * seqLen * rowBytes;
    const cache =
      cacheBytes <= (options.cacheBytes ?? 256 * 2 ** 20) &&
      cacheBytes <= device.limits.maxBufferSize
        ? createBuffer(device, "features hook cache", cacheBytes)
        : undefined;
    const exclude = new Set(options.excludeTokens);
    let includedTokens = 0;
    try {
      for (const phase of [0, 1] as const) {
        for (let first = 0, chunk = 0; first < count; first += nSeq, chunk++) {
          const seqs = Math.min(nSeq, count - first);
          const rows = seqs * seqLen;
          const tokens = windows.read(first, seqs);
          const mask = Uint32Array.from(tokens, (t) => (exclude.has(t) ? 0 : 1));
          if (phase === 0) includedTokens += mask.reduce((a, b) => a + b, 0);
          device.queue.writeBuffer(this.included, 0, mask);
          device.queue.writeBuffer(
            this.uniform,
            0,
            new Uint32Array([rows, seqLen, first * seqLen, options.seed >>> 0]),
          );
          const encoder = device.createCommandEncoder();
          const offset = first * seqLen * rowBytes;
          if (phase === 1 && cache) {
            encoder.copyBufferToBuffer(cache, offset, this.input, 0, rows * rowBytes);
            this.apply.encodeApply(encoder, this.input, rows);
          } else {
            model.setTokens(tokens);
            model.encodeForward(encoder, {
              nSeq: seqs,
              seqLen,
              lastLayer: this.layer,
              handlers: [
                {
                  hook: spec.hookName,
                  run: (enc, site) => {
                    if (cache) enc.copyBufferToBuffer(site.buffer, 0, cache, offset, site.bytes);
                    this.apply.encodeApply(enc, site.buffer, site.rows);
                  },
                },
              ],
            });
          }
          const pass = encoder.beginComputePass();
          pass.setPipeline(phase === 0 ? this.first : this.second);
          pass.setBindGroup(0, this.binds[phase]);
          pass.dispatchWorkgroups(Math.ceil(n / 64));
          pass.end();
          device.queue.submit([encoder.finish()]);
          if ((chunk + 1) % CHUNKS_PER_WAIT === 0 || first + seqs >= count) {
            await device.queue.onSubmittedWorkDone();
            options.signal?.throwIfAborted();
            options.onProgress?.((phase * count + first + seqs) * seqLen, 2 * count * seqLen);
          }
        }
      }
      return await this.read(seqLen, count * seqLen, includedTokens);
    } finally {
      cache?.destroy();
    }
  }

  private async read(seqLen: number, tokensRead: number, tokens: number): Promise<FeatureStats> {
    const n = this.spec.dSae;
    const words = async (buffer: GPUBuffer, count: number) =>
      new Uint32Array((await readFloats(this.device, buffer, count)).buffer);
    const stats = await words(this.stats, n * STATS_WORDS);
    const statFloats = new Float32Array(stats.buffer);
    const top = await words(this.top, n * TOP_EXAMPLES * 2);
    const topFloats = new Float32Array(top.buffer);
    const histograms = await words(this.hist, n * HISTOGRAM_BINS * 2);
    const samples = await words(this.samples, n * INTERVAL_BINS * INTERVAL_SAMPLES * 3);
    const sampleFloats = new Float32Array(samples.buffer);
    const example = (token: number, activation: number): FeatureExample => ({
      sequence: Math.floor(token / seqLen),
      position: token % seqLen,
      activation,
    });
    const out: FeatureStats = {
      dSae: n,
      tokensRead,
      tokens,
      count: new Uint32Array(n),
      sum: new Float64Array(n),
      max: new Float64Array(n),
      min: new Float64Array(n),
      histograms,
      top: [],
      intervals: [],
    };
    for (let f = 0; f < n; f++) {
      const s = f * STATS_WORDS;
      out.count[f] = stats[s]!;
      out.sum[f] = statFloats[s + 1]!;
      out.max[f] = statFloats[s + 3]!;
      out.min[f] = statFloats[s + 4]!;
      const list: FeatureExample[] = [];
      for (let k = 0; k < TOP_EXAMPLES; k++) {
        const v = topFloats[(f * TOP_EXAMPLES + k) * 2]!;
        if (v > 0) list.push(example(top[(f * TOP_EXAMPLES + k) * 2 + 1]!, v));
      }
      out.top.push(list);
      const bins: FeatureExample[][] = [];
      for (let b = 0; b < INTERVAL_BINS; b++) {
        const picks: FeatureExample[] = [];
        for (let k = 0; k < INTERVAL_SAMPLES; k++) {
          const o = ((f * INTERVAL_BINS + b) * INTERVAL_SAMPLES + k) * 3;
          if (samples[o + 1] !== EMPTY) picks.push(example(samples[o + 1]!, sampleFloats[o + 2]!));
        }
        bins.push(picks);
      }
      out.intervals.push(bins);
    }
    return out;
  }

  destroy(): void {
    this.apply.destroy();
    for (const b of [this.uniform, this.included, this.stats, this.top, this.hist, this.samples]) {
      b.destroy();
    }
    this.input.destroy();
    this.scale.destroy();
  }
}
