import { describe, expect, it } from "vitest";
import { parseSyntheticModelConfig, syntheticConfigToDict } from "./syntheticConfig.ts";
import { SYNTHETIC_PRESETS, syntheticPreset } from "./syntheticPresets.ts";

/** SynthSAEBench-16k's synthetic_model_config.json as SAELens's to_dict writes it. */
const PUBLISHED_16K = {
  num_features: 16384,
  hidden_dim: 768,
  firing_probability: { exponent: 0.5, max_prob: 0.4, min_prob: 0.0005, generator_name: "zipfian" },
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
  orthogonalization: { num_steps: 100, lr: 0.0003, chunk_size: 1024 },
  correlation: { rank: 25, correlation_scale: 0.1, seed: null },
  std_firing_magnitudes: {
    mean: 0.5,
    std: 0.5,
    min_value: null,
    max_value: null,
    generator_name: "folded_normal",
  },
  mean_firing_magnitudes: { start: 5.0, end: 4.0, generator_name: "linear" },
  bias: 0.5,
  dtype: "float32",
  seed: 42,
};

describe("SyntheticModelConfig", () => {
  it("reads SynthSAEBench-16k's published config as the preset", () => {
    expect(parseSyntheticModelConfig(PUBLISHED_16K)).toEqual(syntheticPreset("synthsaebench-16k"));
  });

  it("round-trips every preset through to_dict", () => {
    for (const [name, preset] of Object.entries(SYNTHETIC_PRESETS)) {
      const dict = JSON.parse(JSON.stringify(syntheticConfigToDict(preset)));
      expect(parseSyntheticModelConfig(dict), name).toEqual(preset);
    }
  });

  it("fills SAELens's defaults, with from_dict's missing bias as false", () => {
    const c = parseSyntheticModelConfig({
      num_features: 10,
      hidden_dim: 4,
      hierarchy: { branching_factor: [2, 5] },
      orthogonalization: {},
      correlation: {},
    });
    expect(c.firing_probability).toEqual({
      generator_name: "zipfian",
      exponent: 1,
      max_prob: 0.3,
      min_prob: 0.01,
    });
    expect(c.hierarchy).toMatchObject({
      total_root_nodes: 100,
      branching_factor: [2, 5],
      max_depth: 2,
    });
    expect(c.orthogonalization).toEqual({ num_steps: 200, lr: 0.01, chunk_size: 1024 });
    expect(c.correlation).toEqual({ rank: 32, correlation_scale: 0.1, seed: null });
    expect([c.std_firing_magnitudes, c.mean_firing_magnitudes, c.bias, c.seed]).toEqual([
      0,
      1,
      false,
      null,
    ]);
  });

  it("names the file, the field and what it expected on bad input", () => {
    const bad = (patch: object) => () =>
      parseSyntheticModelConfig({ ...PUBLISHED_16K, ...patch }, "my.json");
    expect(bad({ num_features: 0 })).toThrow(
      /my\.json: field "num_features": expected an integer in 1\.\.inf, found 0/,
    );
    expect(bad({ firing_probability: { generator_name: "poisson" } })).toThrow(
      /field "firing_probability\.generator_name": expected "zipfian", "linear", "random" or "constant", found "poisson"/,
    );
    expect(
      bad({ firing_probability: { generator_name: "zipfian", min_prob: 0.5, max_prob: 0.4 } }),
    ).toThrow(/0 < min_prob < max_prob <= 1, found min_prob 0.5, max_prob 0.4/);
    expect(bad({ hierarchy: { branching_factor: [4, 2] } })).toThrow(
      /field "hierarchy\.branching_factor": expected \[lo, hi\] with 2 <= lo <= hi, found \[4,2\]/,
    );
    expect(bad({ std_firing_magnitudes: { generator_name: "folded_normal", std: 0 } })).toThrow(
      /field "std_firing_magnitudes\.std": must be positive, found 0/,
    );
    expect(bad({ dtype: "bfloat16" })).toThrow(/field "dtype": only "float32" is supported/);
    expect(bad({ sparsity: 3 })).toThrow(/field "sparsity": unknown field/);
    expect(() => syntheticPreset("huge")).toThrow(/unknown synthetic preset "huge"/);
  });

  it("scales the 16k's structure down in the small presets", () => {
    for (const name of ["small-2k", "tiny"] as const) {
      const c = SYNTHETIC_PRESETS[name];
      const h = c.hierarchy!;
      // Tree features (roots·85) keep the 16k's two thirds of all features.
      expect((h.total_root_nodes * 85) / c.num_features).toBeCloseTo(10_880 / 16_384, 10);
      expect([h.branching_factor, h.max_depth, h.mutually_exclusive_portion]).toEqual([4, 3, 1]);
      expect(c.firing_probability).toEqual(PUBLISHED_16K.firing_probability);
    }
    expect([
      SYNTHETIC_PRESETS["small-2k"].num_features,
      SYNTHETIC_PRESETS["small-2k"].hidden_dim,
    ]).toEqual([2048, 128]);
  });
});
