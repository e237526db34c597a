/**
 * A ground-truth evaluation on the GPU: the matchings from the weights (cosine matrices by
 * similarityGpu.ts, the assignment on the host), then batches of samples through the
 * dictionary's inference (GpuDictionaryApply: normalisation, activation and decoder as saved),
 * each batch's latents, output, true activations and target read back into SAELens's
 * calculators. Optionally the similarity heatmap's data, from the same cosine matrices.
 */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { GpuDictionaryApply, type ApplyOptions } from "../eval/gpuDictionaryApply.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import {
  latentMatchings,
  SyntheticEvaluator,
  type CosineProduct,
  type MatchedSide,
  type SyntheticEvalResult,
  type TrueVectors,
} from "./metrics.ts";
import type { EvalSampleSource } from "./metricsSources.ts";
import {
  heatmapPanel,
  similarityHeatmap,
  type HeatmapLimits,
  type SimilarityHeatmap,
} from "./similarity.ts";
import { gpuCosineSimilarities } from "./similarityGpu.ts";

/** The true feature vectors: u (x's) and, for the transcoder variant, v (y's). */
export interface SyntheticTruth {
  numFeatures: number;
  input: TrueVectors;
  output: TrueVectors | null;
}

export interface SyntheticRunOptions {
  samples: number;
  batch: number;
  /** Also score an SAE's encoder (W_encᵀ) against the feature vectors (a transcoder's always). */
  encoderSide?: boolean;
  heatmap?: HeatmapLimits;
  /** How the dictionary runs (e.g. a BatchTopK one as it trains: live metrics). */
  apply?: ApplyOptions;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SyntheticRunResult {
  metrics: SyntheticEvalResult;
  heatmap?: SimilarityHeatmap;
  samples: number;
}

/** Why the dictionary cannot be scored against this truth, or undefined. */
export function truthMismatch(spec: DictionarySpec, truth: SyntheticTruth): string | undefined {
  if (spec.dIn !== truth.input.dim) {
    return `the dictionary reads d_in ${spec.dIn} but the synthetic model's x has ${truth.input.dim} dimensions`;
  }
  if (spec.kind === "transcoder") {
    if (!truth.output) return "a transcoder needs a synthetic model with output vectors (y)";
    if (spec.dOut !== truth.output.dim) {
      return `the transcoder writes d_out ${spec.dOut} but the synthetic model's y has ${truth.output.dim} dimensions`;
    }
  }
  return undefined;
}

export async function evaluateOnSynthetic(
  device: GPUDevice,
  shaders: ShaderLibrary,
  dict: { spec: DictionarySpec; params: DictionaryParams },
  truth: SyntheticTruth,
  source: EvalSampleSource,
  options: SyntheticRunOptions,
): Promise<SyntheticRunResult> {
  const { spec, params } = dict;
  const mismatch = truthMismatch(spec, truth);
  if (mismatch) throw new Error(`synthetic eval: ${mismatch}`);
  const transcoder = spec.kind === "transcoder";
  const numFeatures = truth.numFeatures;
  const cosine: CosineProduct = (a, b, shape) =>
    gpuCosineSimilarities(device, shaders, a, b, shape, { signal: options.signal });
  let heatmap: SimilarityHeatmap | undefined;
  const inspect = (side: MatchedSide, cos: Float32Array | Float64Array) => {
    if (!options.heatmap) return;
    if (side === "decoder") {
      heatmap = similarityHeatmap(cos, spec.dSae, numFeatures, { limits: options.heatmap });
    } else if (heatmap) {
      heatmap.encoder = heatmapPanel(cos, numFeatures, heatmap);
    }
  };
  const matchings = await latentMatchings(
    cosine,
    { dIn: spec.dIn, dSae: spec.dSae, dOut: spec.dOut, wEnc: params.wEnc, wDec: params.wDec },
    numFeatures,
    {
      output: transcoder ? truth.output! : truth.input,
      input: transcoder || options.encoderSide ? truth.input : undefined,
    },
    inspect,
  );

  const samples = Math.min(options.samples, source.available);
  if (!(samples >= 1)) throw new Error("synthetic eval: no samples to evaluate on");
  const evaluator = new SyntheticEvaluator(
    { numFeatures, dSae: spec.dSae, dOut: spec.dOut },
    matchings.decoder,
    matchings.encoder,
  );
  const apply = new GpuDictionaryApply(
    device,
    new LinearKernels(device, shaders),
    spec,
    params,
    options.batch,
    options.apply,
  );
  try {
    for (let index = 0, done = 0; done < samples; index++) {
      const rows = Math.min(options.batch, samples - done);
      const encoder = device.createCommandEncoder();
      const input = source.prepare(encoder, index, rows);
      apply.encodeApply(encoder, input, rows);
      device.queue.submit([encoder.finish()]);
      const latents = await apply.readLatents(rows);
      const reconstruction = await readFloats(device, apply.output, rows * spec.dOut);
      const { featureActs, target } = await source.read(rows);
      evaluator.addBatch({ rows, featureActs, latents, target, reconstruction });
      done += rows;
      options.onProgress?.(done, samples);
      options.signal?.throwIfAborted();
    }
  } finally {
    apply.destroy();
  }
  const result: SyntheticRunResult = { metrics: evaluator.result(), samples };
  if (heatmap) result.heatmap = heatmap;
  return result;
}
