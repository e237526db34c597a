/**
 * buildSyntheticModel with the feature dictionaries orthogonalised on the GPU where the CPU's
 * float64 orthogonalizeRows would be slow: SynthSAEBench-16k's 100 steps on 16384 × 768 are
 * 2·10¹² multiply-adds, about an hour on the CPU. Small configs stay on the CPU, bit-identical
 * to buildSyntheticModel.
 */
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { STREAM } from "./counterRandom.ts";
import { gpuOrthogonalizeRows, orthogonalizeStepMacs } from "./gpuOrthogonalize.ts";
import type { SyntheticModelConfig } from "./syntheticConfig.ts";
import {
  buildSyntheticModel,
  drawFeatureRows,
  type SyntheticBuildOptions,
  type SyntheticModel,
} from "./syntheticModel.ts";

/** Multiply-adds over all steps from which the GPU orthogonalises (about 10 s of CPU). */
export const GPU_ORTHOGONALIZATION_MACS = 2 ** 34;

export function orthogonalizesOnGpu(
  config: SyntheticModelConfig,
  dim: number,
  fromMacs = GPU_ORTHOGONALIZATION_MACS,
): boolean {
  const steps = config.orthogonalization?.num_steps ?? 0;
  return steps > 0 && orthogonalizeStepMacs(config.num_features, dim) * steps >= fromMacs;
}

export async function buildSyntheticModelOnDevice(
  device: GPUDevice,
  shaders: ShaderLibrary,
  config: SyntheticModelConfig,
  options: Omit<SyntheticBuildOptions, "orthogonalizedRows"> & {
    /** Multiply-adds from which the GPU orthogonalises (default GPU_ORTHOGONALIZATION_MACS). */
    gpuFromMacs?: number;
  } = {},
): Promise<SyntheticModel> {
  const seed = config.seed ?? 0;
  const sets: { dim: number; seed: number; stream: number }[] = [
    { dim: config.hidden_dim, seed, stream: STREAM.featureVectors },
  ];
  if (options.outputDim !== undefined) {
    sets.push({ dim: options.outputDim, seed: seed + 5, stream: STREAM.outputFeatureVectors });
  }
  const done = new Map<number, Float64Array>();
  for (const set of sets) {
    const orthogonalization = config.orthogonalization;
    if (!orthogonalization || !orthogonalizesOnGpu(config, set.dim, options.gpuFromMacs)) continue;
    const n = config.num_features;
    const w = drawFeatureRows(n, set.dim, set.seed, set.stream);
    await gpuOrthogonalizeRows(device, shaders, w, n, set.dim, orthogonalization);
    done.set(set.stream, w);
  }
  return buildSyntheticModel(config, {
    outputDim: options.outputDim,
    orthogonalizedRows: (stream) => done.get(stream),
  });
}
