import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { logitTargets, salientLogits, softmax } from "./logitTargets.ts";

function normals(n: number, seed: number, scale = 1): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => {
    const u = Math.max(rand(), 1e-12);
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  });
}

describe("salientLogits (circuit-tracer's test_attribution_targets)", () => {
  it.each([
    [5, 0.8, 1],
    [10, 0.95, 2],
    [3, 0.5, 3],
    [10, 0.95, 4],
  ])("max_n_logits %i, desired_logit_prob %f, seed %i", (maxN, desired, seed) => {
    const logits = normals(100, seed, seed === 4 ? 6 : 1);
    const { tokens, probabilities } = salientLogits(logits, maxN, desired);
    expect(tokens.length).toBeLessThanOrEqual(maxN);
    const sum = probabilities.reduce((s, p) => s + p, 0);
    expect(sum >= desired || tokens.length === maxN).toBe(true);
    // The smallest such prefix, of the most probable tokens, in order.
    if (tokens.length > 1) expect(sum - probabilities.at(-1)!).toBeLessThan(desired);
    const probs = softmax(logits);
    const sorted = Array.from(probs).sort((a, b) => b - a);
    expect(Array.from(probabilities)).toEqual(sorted.slice(0, tokens.length));
    tokens.forEach((t, i) => expect(probs[t]).toBe(probabilities[i]));
  });

  it("stops at the first token that reaches the probability, and at the cap otherwise", () => {
    const logits = Float64Array.from([
      Math.log(0.5),
      Math.log(0.3),
      Math.log(0.15),
      Math.log(0.05),
    ]);
    expect(salientLogits(logits, 10, 0.79).tokens).toEqual([0, 1]);
    expect(salientLogits(logits, 10, 0.81).tokens).toEqual([0, 1, 2]);
    expect(salientLogits(logits, 2, 0.99).tokens).toEqual([0, 1]);
    expect(salientLogits(logits, 10, 0.5).tokens).toEqual([0]);
  });
});

describe("logitTargets", () => {
  it("gives centred rows: ū_k · x + b̄_k = logit_k − mean(logits) for any input x", () => {
    const d = 8;
    const V = 50;
    const wU = Float32Array.from(normals(d * V, 11), (v) => v + 0.3);
    const bU = Float32Array.from(normals(V, 12), (v) => v + 1);
    const x = normals(d, 13);
    const logits = new Float64Array(V);
    for (let k = 0; k < V; k++) {
      let s = bU[k]!;
      for (let c = 0; c < d; c++) s += x[c]! * wU[c * V + k]!;
      logits[k] = s;
    }
    const mean = logits.reduce((s, v) => s + v, 0) / V;
    const t = logitTargets(logits, wU, bU, d, 10, 0.95);
    expect(t.tokens.length).toBeGreaterThan(0);
    t.tokens.forEach((k, i) => {
      let s = t.biases[i]!;
      for (let c = 0; c < d; c++) s += t.vectors[i * d + c]! * x[c]!;
      expect(s).toBeCloseTo(logits[k]! - mean, 5);
    });
  });

  it("refuses an unembedding of the wrong shape", () => {
    expect(() =>
      logitTargets(new Float64Array(5), new Float32Array(12), new Float32Array(5), 3),
    ).toThrow("W_U has 12 values; expected d_model 3 × vocabulary 5");
  });
});

describe("logitTargets on processed weights", () => {
  it("centring is a no-op: center_unembed already centred W_U and b_U", () => {
    const w = processWeights(randomGpt2Weights(tinyConfig(), 4));
    const { dModel: d, vocabSize: V } = w.config;
    const t = logitTargets(normals(V, 5, 3), w.wU, w.bU, d, 10, 0.95);
    t.tokens.forEach((k, i) => {
      for (let c = 0; c < d; c++) expect(t.vectors[i * d + c]).toBeCloseTo(w.wU[c * V + k]!, 6);
      expect(t.biases[i]).toBeCloseTo(w.bU[k]!, 6);
    });
  });
});
