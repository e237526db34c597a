import type { SyntheticModelConfig } from "./syntheticConfig.ts";

/**
 * SynthSAEBench-16k exactly as published (SAELens docs synth_sae_bench.md and
 * synth-sae-bench-experiments create_synth_bench_16k_model.py): 16,384 features in 768
 * dimensions, Zipf(0.5) from 0.4 to 5e-4, 128 trees of branching 4 and depth 3 (10,880 tree
 * features) with mutual exclusion everywhere, compensated probabilities and children scaled by
 * their parent, rank-25 correlations, 100 orthogonalisation steps at lr 3e-4, magnitudes of mean
 * 5 -> 4 and folded-normal std, a bias of norm 0.5, seed 42.
 */
export const SYNTHSAEBENCH_16K: SyntheticModelConfig = {
  num_features: 16_384,
  hidden_dim: 768,
  firing_probability: { generator_name: "zipfian", exponent: 0.5, max_prob: 0.4, min_prob: 5e-4 },
  hierarchy: {
    total_root_nodes: 128,
    branching_factor: 4,
    max_depth: 3,
    mutually_exclusive_portion: 1.0,
    mutually_exclusive_min_depth: 0,
    mutually_exclusive_max_depth: null,
    compensate_probabilities: true,
    scale_children_by_parent: true,
  },
  orthogonalization: { num_steps: 100, lr: 3e-4, chunk_size: 1024 },
  correlation: { rank: 25, correlation_scale: 0.1, seed: null },
  std_firing_magnitudes: {
    generator_name: "folded_normal",
    mean: 0.5,
    std: 0.5,
    min_value: null,
    max_value: null,
  },
  mean_firing_magnitudes: { generator_name: "linear", start: 5.0, end: 4.0 },
  bias: 0.5,
  dtype: "float32",
  seed: 42,
};

/**
 * The 16k's structure scaled down by `roots`: the same Zipf, trees (branching 4, depth 3, so 85
 * features a tree), mutual exclusion, compensation, scaling, correlations and magnitudes; tree
 * features keep the 16k's share of all features (10,880 / 16,384 = 2/3).
 */
function scaledDown(roots: number, hiddenDim: number, rank: number): SyntheticModelConfig {
  const treeFeatures = roots * 85;
  return {
    ...SYNTHSAEBENCH_16K,
    num_features: Math.round((treeFeatures * 16_384) / 10_880),
    hidden_dim: hiddenDim,
    hierarchy: { ...SYNTHSAEBENCH_16K.hierarchy!, total_root_nodes: roots },
    correlation: { ...SYNTHSAEBENCH_16K.correlation!, rank },
  };
}

export const SYNTHETIC_PRESETS = {
  "synthsaebench-16k": SYNTHSAEBENCH_16K,
  /** 2,048 features (16 trees) in 128 dimensions: fits a software adapter. */
  "small-2k": scaledDown(16, 128, 25),
  /** 384 features (3 trees) in 32 dimensions: for tests. */
  tiny: scaledDown(3, 32, 8),
} as const satisfies Record<string, SyntheticModelConfig>;

export type SyntheticPresetName = keyof typeof SYNTHETIC_PRESETS;

export function isSyntheticPresetName(name: string): name is SyntheticPresetName {
  return Object.hasOwn(SYNTHETIC_PRESETS, name);
}

export function syntheticPreset(name: string): SyntheticModelConfig {
  if (!isSyntheticPresetName(name)) {
    throw new Error(
      `unknown synthetic preset "${name}" (expected one of ${Object.keys(SYNTHETIC_PRESETS).join(", ")})`,
    );
  }
  return structuredClone(SYNTHETIC_PRESETS[name]);
}
