/**
 * A synthetic model with planted features (SAELens's SyntheticModel), built deterministically
 * from its config's seed. Seeds follow SAELens: the hierarchy from seed + 3, the correlation
 * factor from seed + 4, the feature dictionary and bias from seed, std magnitudes seed + 1,
 * mean magnitudes seed + 2 (the draws themselves are counterRandom.ts's, not torch's).
 *
 * The transcoder variant gives every feature an output vector v_i as well (independent unit
 * vectors, orthogonalised the same way, drawn from seed + 5) and an output bias: the input is
 * x = Σ a_i u_i + b and the target y = Σ a_i v_i + b_out, with the same activations a.
 */
import { STREAM, normals } from "./counterRandom.ts";
import { firingMagnitudes, firingProbabilities } from "./firingDistributions.ts";
import { firingThreshold } from "./normalQuantile.ts";
import { normalizeRows, orthogonalizeRows } from "./orthogonalize.ts";
import type { SyntheticModelConfig } from "./syntheticConfig.ts";
import {
  compensateProbabilities,
  generateHierarchy,
  type SyntheticHierarchy,
} from "./syntheticHierarchy.ts";

export interface LowRankCorrelation {
  rank: number;
  /** F [N, rank]: the correlation matrix is F·Fᵀ + diag(d). */
  factor: Float64Array;
  /** d [N] = 1 − Σ_r F²: each feature's own variance, so the diagonal is 1. */
  diag: Float64Array;
}

export interface FeatureVectors {
  dim: number;
  /** [N, dim] unit rows. */
  vectors: Float32Array<ArrayBuffer>;
  bias: Float32Array<ArrayBuffer>;
}

export interface SyntheticModel {
  config: SyntheticModelConfig;
  numFeatures: number;
  hiddenDim: number;
  /** u_i and b: x = Σ a_i u_i + b. */
  input: FeatureVectors;
  /** v_i and b_out of the transcoder variant: y = Σ a_i v_i + b_out. */
  output: FeatureVectors | null;
  /** The probabilities features are drawn with (after hierarchy compensation), [N]. */
  firingProbabilities: Float64Array;
  /** Copula thresholds t_i = Φ⁻¹(1 − p_i), [N]. */
  thresholds: Float64Array;
  meanMagnitudes: Float64Array;
  stdMagnitudes: Float64Array;
  correlation: LowRankCorrelation | null;
  hierarchy: SyntheticHierarchy | null;
}

export interface SyntheticBuildOptions {
  /** Build the transcoder variant with output vectors of this dimension. */
  outputDim?: number;
  /**
   * Feature rows already orthogonalised elsewhere (the GPU: gpuOrthogonalizeModel.ts), looked up
   * by their random stream; undefined builds them here.
   */
  orthogonalizedRows?: (vectorStream: number) => Float64Array | undefined;
}

export function buildSyntheticModel(
  config: SyntheticModelConfig,
  options: SyntheticBuildOptions = {},
): SyntheticModel {
  const seed = config.seed ?? 0;
  const n = config.num_features;
  const hierarchy =
    config.hierarchy === null ? null : generateHierarchy(n, config.hierarchy, seed + 3);
  const correlation =
    config.correlation === null
      ? null
      : lowRankCorrelation(
          n,
          config.correlation.rank,
          config.correlation.correlation_scale,
          seed + 4,
        );
  let probs = firingProbabilities(n, config.firing_probability, seed);
  if (hierarchy && config.hierarchy?.compensate_probabilities) {
    probs = compensateProbabilities(hierarchy, probs);
  }
  const outputDim = options.outputDim;
  if (outputDim !== undefined && !(Number.isSafeInteger(outputDim) && outputDim >= 1)) {
    throw new Error(
      `synthetic transcoder: output dimension ${outputDim} must be a positive integer`,
    );
  }
  return {
    config,
    numFeatures: n,
    hiddenDim: config.hidden_dim,
    input: featureVectors(
      config,
      config.hidden_dim,
      seed,
      STREAM.featureVectors,
      STREAM.bias,
      options.orthogonalizedRows,
    ),
    output:
      outputDim === undefined
        ? null
        : featureVectors(
            config,
            outputDim,
            seed + 5,
            STREAM.outputFeatureVectors,
            STREAM.outputBias,
            options.orthogonalizedRows,
          ),
    firingProbabilities: probs,
    thresholds: probs.map(firingThreshold),
    meanMagnitudes: firingMagnitudes(
      n,
      config.mean_firing_magnitudes,
      seed + 2,
      STREAM.meanMagnitudes,
    ),
    stdMagnitudes: firingMagnitudes(
      n,
      config.std_firing_magnitudes,
      seed + 1,
      STREAM.stdMagnitudes,
    ),
    correlation,
    hierarchy,
  };
}

/** The [n, dim] standard normal rows a feature dictionary starts from. */
export function drawFeatureRows(
  n: number,
  dim: number,
  seed: number,
  stream: number,
): Float64Array {
  const w = new Float64Array(n * dim);
  for (let r = 0; r < n; r++) w.set(normals(seed, stream, r, dim), r * dim);
  return w;
}

/** Random unit rows, orthogonalised as configured, and a random bias of the configured norm. */
function featureVectors(
  config: SyntheticModelConfig,
  dim: number,
  seed: number,
  vectorStream: number,
  biasStream: number,
  orthogonalizedRows: SyntheticBuildOptions["orthogonalizedRows"],
): FeatureVectors {
  const n = config.num_features;
  let w = orthogonalizedRows?.(vectorStream);
  if (!w) {
    w = drawFeatureRows(n, dim, seed, vectorStream);
    if (config.orthogonalization) orthogonalizeRows(w, n, dim, config.orthogonalization);
    else normalizeRows(w, n, dim);
  }
  const bias = new Float32Array(dim);
  const norm = config.bias === true ? 1 : config.bias === false ? 0 : config.bias;
  if (norm > 0) {
    const b = normals(seed, biasStream, 0, dim);
    const length = Math.max(Math.hypot(...b), 1e-8);
    for (let k = 0; k < dim; k++) bias[k] = (b[k]! / length) * norm;
  }
  return { dim, vectors: Float32Array.from(w), bias };
}

/**
 * generate_random_low_rank_correlation_matrix: F = randn(N, rank)·scale, d = 1 − Σ_r F²; if any
 * d <= 0, F is shrunk by √(0.99 / max_i Σ_r F²) first.
 */
export function lowRankCorrelation(
  n: number,
  rank: number,
  scale: number,
  seed: number,
): LowRankCorrelation {
  const factor = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) {
    const z = normals(seed, STREAM.correlationFactor, i, rank);
    for (let r = 0; r < rank; r++) factor[i * rank + r] = z[r]! * scale;
  }
  const rowSq = (i: number) => {
    let s = 0;
    for (let r = 0; r < rank; r++) s += factor[i * rank + r]! ** 2;
    return s;
  };
  let maxRow = 0;
  for (let i = 0; i < n; i++) maxRow = Math.max(maxRow, rowSq(i));
  if (maxRow >= 1) {
    const shrink = Math.sqrt(0.99 / maxRow);
    for (let k = 0; k < factor.length; k++) factor[k]! *= shrink;
  }
  const diag = Float64Array.from({ length: n }, (_, i) => 1 - rowSq(i));
  return { rank, factor, diag };
}
