import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { latentMatchings, SyntheticEvaluator, type CosineProduct } from "./metrics.ts";
import {
  ClassificationCalculator,
  ExplainedVarianceCalculator,
  ShrinkageCalculator,
} from "./metricsCalculators.ts";
import { featureUniqueness, matchLatents } from "./metricsMatching.ts";
import { cosineSimilaritiesReference } from "./similarityMatrix.ts";

const reference: CosineProduct = async (a, b, shape) => cosineSimilaritiesReference(a, b, shape);

/** n orthonormal features: the standard basis of R^d, rows [n, d]. */
function basis(n: number, d: number) {
  const m = new Float32Array(n * d);
  for (let i = 0; i < n; i++) m[i * d + i] = 1;
  return m;
}

/** Sparse random true activations [rows, n]: each feature fires with probability 0.3. */
function randomActs(rows: number, n: number, seed: number) {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: rows * n }, () => (rand() < 0.3 ? 0.5 + rand() : 0));
}

function matmul(a: Float32Array, b: Float32Array, rows: number, inner: number, cols: number) {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < inner; k++) {
      const x = a[r * inner + k]!;
      if (x !== 0)
        for (let c = 0; c < cols; c++)
          out[r * cols + c] = out[r * cols + c]! + x * b[k * cols + c]!;
    }
  return out;
}

/**
 * A dictionary whose latent i is feature perm[i] exactly, scaled by `scale` (W_dec rows) and
 * read back by the matching encoder column; its latents are the true activations permuted.
 */
function permutedDictionary(perm: number[], numFeatures: number, d: number, scale: number) {
  const dSae = perm.length;
  const wDec = new Float32Array(dSae * d);
  const wEnc = new Float32Array(d * dSae);
  perm.forEach((f, i) => {
    wDec[i * d + f] = scale;
    wEnc[f * dSae + i] = 1;
  });
  const latentsOf = (acts: Float32Array, rows: number) => {
    const z = new Float32Array(rows * dSae);
    for (let r = 0; r < rows; r++)
      perm.forEach((f, i) => (z[r * dSae + i] = acts[r * numFeatures + f]!));
    return z;
  };
  return { dict: { dIn: d, dSae, dOut: d, wEnc, wDec }, latentsOf };
}

async function evaluatePermuted(perm: number[], numFeatures: number, d: number, rows: number) {
  const truth = basis(numFeatures, d);
  const { dict, latentsOf } = permutedDictionary(perm, numFeatures, d, 0.2);
  const acts = randomActs(rows, numFeatures, 3);
  const x = matmul(acts, truth, rows, numFeatures, d);
  const z = latentsOf(acts, rows);
  // The unscaled decoder rebuilds x exactly: x̂ = z @ (W_dec / scale).
  const unitDecoder = Float32Array.from(dict.wDec, (w) => w / 0.2);
  const recon = matmul(z, unitDecoder, rows, perm.length, d);
  const matchings = await latentMatchings(reference, dict, numFeatures, {
    output: { dim: d, vectors: truth },
    input: { dim: d, vectors: truth },
  });
  const evaluator = new SyntheticEvaluator(
    { numFeatures, dSae: perm.length, dOut: d },
    matchings.decoder,
    matchings.encoder,
  );
  evaluator.addBatch({ rows, featureActs: acts, latents: z, target: x, reconstruction: recon });
  return { result: evaluator.result(), acts, rows };
}

describe("SyntheticEvaluator on hand-built dictionaries", () => {
  it("a dictionary that is the features, permuted and rescaled: MCC, uniqueness, F1 all 1", async () => {
    const perm = [3, 0, 5, 1, 4, 2];
    const { result } = await evaluatePermuted(perm, 6, 8, 200);
    expect(result.mcc).toBeCloseTo(1, 6);
    expect(result.uniqueness).toBe(1);
    expect(result.classification).toEqual({ precision: 1, recall: 1, f1_score: 1, accuracy: 1 });
    expect(result.encoder!.mcc).toBeCloseTo(1, 6);
    expect(result.explained_variance).toBeCloseTo(1, 6);
    expect(result.shrinkage).toBeCloseTo(1, 6);
    expect(result.sae_l0).toBeCloseTo(result.true_l0, 12);
    expect(result.dead_latents).toBe(0);
  });

  it("fewer latents than features: MCC 1 over the matched ones, recall and L0 of their features", async () => {
    const perm = [4, 1];
    const { result, acts, rows } = await evaluatePermuted(perm, 6, 8, 300);
    expect(result.mcc).toBeCloseTo(1, 6);
    expect(result.classification.f1_score).toBe(1);
    let fired = 0;
    for (let r = 0; r < rows; r++) for (const f of perm) if (acts[r * 6 + f]! > 0) fired++;
    expect(result.sae_l0).toBeCloseTo(fired / rows, 12);
  });

  it("duplicated latents: uniqueness = distinct best features / d_sae, MCC pays for the copy", async () => {
    // Latents 0..3 are features 0, 1, 1, 2 (d_sae 4, 5 features): 3 distinct of 4.
    const d = 5;
    const truth = basis(5, d);
    const { dict } = permutedDictionary([0, 1, 1, 2], 5, d, 1);
    const { decoder } = await latentMatchings(reference, dict, 5, {
      output: { dim: d, vectors: truth },
    });
    expect(decoder.uniqueness).toBe(3 / 4);
    expect(Array.from(decoder.bestMatch)).toEqual([0, 1, 1, 2]);
    // One copy must be matched to a feature it is orthogonal to: MCC = (1 + 1 + 0 + 1) / 4.
    expect(decoder.mcc).toBeCloseTo(3 / 4, 12);
  });

  it("ties in |cos| go to the first feature, as torch.argmax; a zero row matches feature 0", () => {
    // Row 0 is equally close to features 1 and 2; row 1 is all zero (a zeroed decoder row).
    const absCos = Float64Array.from([0.1, 0.6, 0.6, 0, 0, 0]);
    const m = matchLatents(absCos, 2, 3);
    expect(Array.from(m.bestMatch)).toEqual([1, 0]);
    expect(m.uniqueness).toBe(1);
    expect(m.mcc).toBeCloseTo(0.3, 12);
    expect(featureUniqueness(new Int32Array(0))).toBe(0);
  });

  it("a dead latent counts as dead and scores 0 in precision, recall and F1, 1 - p in accuracy", () => {
    const calc = new ClassificationCalculator(Int32Array.from([0, 1]));
    // Latent 1 never fires; its feature fires in 1 of 4 samples.
    const latents = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0]);
    const truth = Float32Array.from([1, 0, 0, 1, 1, 0, 0, 0]);
    calc.addBatch({ values: latents, rows: 4, width: 2 }, { values: truth, rows: 4, width: 2 });
    const m = calc.compute();
    expect(m.precision).toBe((1 + 0) / 2);
    expect(m.recall).toBe((1 + 0) / 2);
    expect(m.f1_score).toBe((1 + 0) / 2);
    expect(m.accuracy).toBe((1 + 3 / 4) / 2);
  });

  it("precision and recall of a latent firing too often: TP 2, FP 2, FN 1", () => {
    const calc = new ClassificationCalculator(Int32Array.from([0]));
    const z = Float32Array.from([1, 1, 1, 1, 0]);
    const a = Float32Array.from([1, 1, 0, 0, 1]);
    calc.addBatch({ values: z, rows: 5, width: 1 }, { values: a, rows: 5, width: 1 });
    const m = calc.compute();
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(2 / 3);
    expect(m.f1_score).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 15);
    expect(m.accuracy).toBe(2 / 5);
  });

  it("shrinkage: ‖x̂‖/‖x‖ averaged over samples with ‖x‖ > 1e-6 only", () => {
    const calc = new ShrinkageCalculator();
    const x = Float32Array.from([3, 4, 0, 0, 1e-7, 0]);
    const xHat = Float32Array.from([1.5, 2, 5, 5, 1, 1]);
    calc.addBatch({ values: xHat, rows: 3, width: 2 }, { values: x, rows: 3, width: 2 });
    expect(calc.compute()).toBeCloseTo(0.5, 7);
  });

  it("explained variance: 1 − MSE / Var over batches, and SAELens's constant-input cases", () => {
    const ev = new ExplainedVarianceCalculator(1);
    // x = 1, 3 (mean 2, variance 1), x̂ = 1.5, 2.5: MSE 0.25 → 0.75, fed as two batches.
    ev.addBatch({ values: [1.5], rows: 1, width: 1 }, { values: [1], rows: 1, width: 1 });
    ev.addBatch({ values: [2.5], rows: 1, width: 1 }, { values: [3], rows: 1, width: 1 });
    expect(ev.compute()).toBeCloseTo(0.75, 12);
    const constant = (xHat: number) => {
      const c = new ExplainedVarianceCalculator(2);
      c.addBatch(
        { values: [xHat, 1, xHat, 1], rows: 2, width: 2 },
        { values: [2, 1, 2, 1], rows: 2, width: 2 },
      );
      return c.compute();
    };
    expect(constant(2)).toBe(1);
    expect(constant(2.1)).toBe(0);
  });

  it("refuses batches and matchings of the wrong shape, naming which", async () => {
    const truth = basis(4, 4);
    const { dict } = permutedDictionary([0, 1, 2], 4, 4, 1);
    await expect(
      latentMatchings(reference, dict, 4, { output: { dim: 5, vectors: new Float32Array(20) } }),
    ).rejects.toThrow(/the decoder has dimension 4 but the true feature vectors .* have 5/);
    await expect(
      latentMatchings(reference, dict, 5, { output: { dim: 4, vectors: truth } }),
    ).rejects.toThrow(/hold 16 values, expected 5 x 4/);
    const { decoder } = await latentMatchings(reference, dict, 4, {
      output: { dim: 4, vectors: truth },
    });
    expect(() => new SyntheticEvaluator({ numFeatures: 4, dSae: 5, dOut: 4 }, decoder)).toThrow(
      /covers 3 latents, expected d_sae = 5/,
    );
    const evaluator = new SyntheticEvaluator({ numFeatures: 4, dSae: 3, dOut: 4 }, decoder);
    expect(() =>
      evaluator.addBatch({
        rows: 2,
        featureActs: new Float32Array(8),
        latents: new Float32Array(5),
        target: new Float32Array(8),
        reconstruction: new Float32Array(8),
      }),
    ).toThrow(/the latents: 5 values, expected 2 rows x 3/);
  });
});
