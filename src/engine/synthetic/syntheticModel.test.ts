import { describe, expect, it } from "vitest";
import { generateHierarchy } from "./syntheticHierarchy.ts";
import { orthogonalityGradient, orthogonalityLoss } from "./orthogonalize.ts";
import type { SyntheticModelConfig } from "./syntheticConfig.ts";
import { buildSyntheticModel, type FeatureVectors } from "./syntheticModel.ts";
import { SYNTHSAEBENCH_16K, syntheticPreset } from "./syntheticPresets.ts";

function maxAbsCos(fv: FeatureVectors, n: number): number {
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < fv.dim; k++)
        dot += fv.vectors[i * fv.dim + k]! * fv.vectors[j * fv.dim + k]!;
      worst = Math.max(worst, Math.abs(dot));
    }
  }
  return worst;
}

function rowNorms(fv: FeatureVectors, n: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    Math.hypot(...fv.vectors.subarray(i * fv.dim, (i + 1) * fv.dim)),
  );
}

describe("synthetic model construction", () => {
  const tiny = buildSyntheticModel(syntheticPreset("tiny"), { outputDim: 20 });

  it("builds SynthSAEBench-16k's forest: 128 trees of 85 features, exclusion everywhere", () => {
    const h = generateHierarchy(16_384, SYNTHSAEBENCH_16K.hierarchy!, 45);
    const inTrees = h.depth.filter((d) => d >= 0).length;
    expect(inTrees).toBe(10_880);
    expect(h.maxDepth).toBe(3);
    expect(h.roots.map((r) => r.feature_index)).toEqual(Array.from({ length: 128 }, (_, i) => i));
    // Breadth-first: root 0's children are the first four after the roots.
    expect(h.roots[0]!.children.map((c) => c.feature_index)).toEqual([128, 129, 130, 131]);
    expect(h.meGroups.length).toBe(128 * (1 + 4 + 16));
    expect(h.scaledByParent.filter((v) => v === 1).length).toBe(10_880 - 128);
  });

  it("draws Zipfian probabilities from max_prob down to min_prob", () => {
    const config: SyntheticModelConfig = { ...syntheticPreset("tiny"), hierarchy: null };
    const p = buildSyntheticModel(config).firingProbabilities;
    expect(p[0]).toBeCloseTo(0.4, 15);
    expect(p[383]).toBeCloseTo(5e-4, 15);
    // rank r = 10: min + (max − min)(r^-0.5 − N^-0.5)/(1 − N^-0.5)
    const q = 384 ** -0.5;
    expect(p[9]).toBeCloseTo(5e-4 + ((0.4 - 5e-4) * (10 ** -0.5 - q)) / (1 - q), 15);
  });

  it("compensates children's probabilities for their parent and their exclusive siblings", () => {
    const base = buildSyntheticModel({
      ...syntheticPreset("tiny"),
      hierarchy: null,
    }).firingProbabilities;
    const h = tiny.hierarchy!;
    const child = 20; // a depth-2 feature
    const parent = h.parent[child]!;
    const siblings = h.meGroups[h.meGroup[child]!]!.children;
    expect(siblings).toContain(child);
    const others = siblings.reduce((s, c) => s + base[c]!, 0) - base[child]!;
    const want = Math.min(1, (base[child]! / base[parent]!) * (1 + others / base[parent]!));
    expect(tiny.firingProbabilities[child]).toBeCloseTo(want, 14);
    expect(tiny.firingProbabilities[0]).toBe(base[0]); // a root keeps its own
  });

  it("gives unit feature vectors, a bias of the configured norm and a valid correlation", () => {
    for (const fv of [tiny.input, tiny.output!]) {
      for (const norm of rowNorms(fv, tiny.numFeatures)) expect(norm).toBeCloseTo(1, 6);
      expect(Math.hypot(...fv.bias)).toBeCloseTo(0.5, 6);
    }
    const { diag } = tiny.correlation!;
    expect(Math.min(...diag)).toBeGreaterThan(0);
    expect(tiny.meanMagnitudes[0]).toBe(5);
    expect(tiny.meanMagnitudes[383]).toBe(4);
    expect(Math.min(...tiny.stdMagnitudes)).toBeGreaterThanOrEqual(0);
  });

  it("draws the output vectors independently of the input vectors", () => {
    const d = 20;
    let meanAbsCos = 0;
    const u = buildSyntheticModel(syntheticPreset("tiny"), { outputDim: d }).input;
    for (let i = 0; i < tiny.numFeatures; i++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += u.vectors[i * 32 + k]! * tiny.output!.vectors[i * d + k]!;
      meanAbsCos += Math.abs(dot) / tiny.numFeatures;
    }
    // Two independent random unit vectors in 20 of 32 dimensions: E|cos| is about 0.14·√(20/32).
    expect(meanAbsCos).toBeLessThan(0.2);
  });

  it("is deterministic in its seed", () => {
    const again = buildSyntheticModel(syntheticPreset("tiny"), { outputDim: 20 });
    expect(again.input.vectors).toEqual(tiny.input.vectors);
    expect(again.output!.vectors).toEqual(tiny.output!.vectors);
    expect(again.stdMagnitudes).toEqual(tiny.stdMagnitudes);
    const other = buildSyntheticModel({ ...syntheticPreset("tiny"), seed: 7 });
    expect(other.input.vectors[0]).not.toBe(tiny.input.vectors[0]);
  });
});

describe("orthogonalisation", () => {
  it("has the gradient of its loss (finite differences)", () => {
    const [n, d] = [7, 4];
    const w = Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 1.7) * 0.6);
    const grad = orthogonalityGradient(w, n, d);
    const h = 1e-6;
    for (let k = 0; k < n * d; k++) {
      const plus = w.slice();
      const minus = w.slice();
      plus[k]! += h;
      minus[k]! -= h;
      const numeric = (orthogonalityLoss(plus, n, d) - orthogonalityLoss(minus, n, d)) / (2 * h);
      expect(grad[k]).toBeCloseTo(numeric, 5);
    }
  });

  it("lowers |cos| between feature vectors down to a tight frame's bound", () => {
    const [n, d] = [48, 16];
    const config: SyntheticModelConfig = {
      ...syntheticPreset("tiny"),
      num_features: n,
      hidden_dim: d,
      hierarchy: null,
      orthogonalization: null,
    };
    const plain = buildSyntheticModel(config).input;
    const config2 = {
      ...config,
      orthogonalization: { num_steps: 200, lr: 0.01, chunk_size: 1024 },
    };
    const orthogonal = buildSyntheticModel(config2).input;
    expect(maxAbsCos(orthogonal, n)).toBeLessThan(maxAbsCos(plain, n) - 0.05);
    // Σ_{i≠j} cos² >= N²/D − N for unit vectors, with equality for a tight frame.
    const bound = (n * n) / d - n;
    const loss = (fv: FeatureVectors) => orthogonalityLoss(Float64Array.from(fv.vectors), n, d);
    expect(loss(plain)).toBeGreaterThan(1.5 * bound);
    expect(loss(orthogonal)).toBeLessThan(1.01 * bound);
    for (const norm of rowNorms(orthogonal, n)) expect(norm).toBeCloseTo(1, 6);
  });
});
