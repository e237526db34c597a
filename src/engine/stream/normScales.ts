import { createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { captureHook, type GpuGpt2 } from "../model/gpuGpt2.ts";
import { parseHookName } from "../model/hooks.ts";
import { NormScaleEstimator } from "../train/normalization.ts";
import {
  evenlySpacedWindows,
  listedWindows,
  SequenceSource,
  type TokenCorpus,
} from "./tokenCorpus.ts";

/**
 * Windows of the training slice used to estimate expected_average_only_in scales. SAELens
 * averages ||x|| over 1000 batches of 4096 tokens; the built-in training slice has only 1.2M
 * tokens. 32 windows of 128 tokens spread evenly over the whole slice (every genre) give
 * 4096 tokens. On the built-in model's layer 1 this gives hook_mlp_out's scale within 0.11% of
 * the one from 512 windows (bench/normScaleSpread.ts), far below what matters for a scale that
 * only sets the activations' overall size.
 */
export const NORM_SCALE_WINDOWS = 32;

export interface NormScaleOptions {
  contextSize: number;
  prependBos: boolean;
  windows?: number;
  /** Rows whose token is one of these are left out, as the stream leaves them out. */
  excludeTokens?: readonly number[];
}

/**
 * sqrt(d) / mean ||row|| for each site, over windows spread evenly across the training slice;
 * the model runs over them separately from the stream (they are not trained on).
 */
export async function estimateNormScales(
  device: GPUDevice,
  model: GpuGpt2,
  corpus: TokenCorpus,
  sites: readonly string[],
  options: NormScaleOptions,
): Promise<Map<string, number>> {
  const { contextSize, prependBos } = options;
  const body = contextSize - (prependBos ? 1 : 0);
  const starts = evenlySpacedWindows(corpus.train, body, options.windows ?? NORM_SCALE_WINDOWS);
  const source = new SequenceSource(corpus, corpus.train, contextSize, prependBos, () =>
    listedWindows(starts),
  );
  const d = model.config.dModel;
  const perForward = Math.max(1, Math.floor(model.maxRows / contextSize));
  const lastLayer = Math.max(...sites.map((s) => parseHookName(s, model.config.nLayer).layer));
  const exclude = new Set(options.excludeTokens ?? []);
  const estimators = new Map(sites.map((s) => [s, new NormScaleEstimator(d)]));
  const buffers = new Map(
    sites.map((s) => [
      s,
      createBuffer(device, `norm sample ${s}`, perForward * contextSize * d * 4),
    ]),
  );
  try {
    for (let done = 0; done < starts.length; done += perForward) {
      const n = Math.min(perForward, starts.length - done);
      const tokens = source.next(n);
      model.setTokens(tokens);
      const encoder = device.createCommandEncoder({ label: "norm sample" });
      model.encodeForward(encoder, {
        nSeq: n,
        seqLen: contextSize,
        lastLayer,
        handlers: sites.map((s) => captureHook(s, buffers.get(s)!)),
      });
      device.queue.submit([encoder.finish()]);
      for (const site of sites) {
        const rows = await readFloats(device, buffers.get(site)!, n * contextSize * d);
        const estimator = estimators.get(site)!;
        for (let r = 0; r < n * contextSize; r++) {
          if (!exclude.has(tokens[r]!)) estimator.add(rows.subarray(r * d, (r + 1) * d), 1);
        }
      }
    }
  } finally {
    for (const b of buffers.values()) b.destroy();
  }
  return new Map([...estimators].map(([s, e]) => [s, e.scale]));
}
