import { describe, expect, it } from "vitest";
import { loadModelFolder } from "../../node/modelFolder.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { encodeText, GPT2_EOT } from "../text/tokenizer.ts";
import { attribute } from "./attribute.ts";
import { setUpAttribution } from "./attributionSetup.ts";
import { adjacencyByColumns } from "./columnReference.ts";
import { perturbedTargets, referenceRows, targetTruth } from "./exactnessChecks.ts";
import { randomTranscoderSet } from "./randomTranscoderSet.ts";

const weights = await loadModelFolder("builtin", { processing: true });
const d = weights.config.dModel;
// A small set of every architecture on the built-in model's real activations.
const set = randomTranscoderSet(
  d,
  [
    { dSae: 32, activation: { kind: "relu" } },
    { dSae: 64, activation: { kind: "topk", k: 8 }, skip: true },
    { dSae: 32, activation: { kind: "jumprelu", relu: false }, skip: true },
    {
      dSae: 64,
      activation: { kind: "topk", k: 6, relu: false },
      normalizeActivations: "layer_norm",
    },
  ],
  9,
  "gpt2-brown (built-in)",
);
const prompt = encodeText("The cat sat on the");

describe("attribution on the built-in model", () => {
  const setup = setUpAttribution(weights, set, prompt);
  const { problem, forward } = setup;
  const { targets, truth, constants } = targetTruth(setup, set);
  const S = problem.sources.count;
  const rows = referenceRows(setup, targets);

  it("prepends <|endoftext|> and finds features at every layer", () => {
    expect(forward.tokens).toEqual([GPT2_EOT, ...prompt]);
    const layers = new Set(problem.nodes.map((n) => (n.type === "feature" ? n.layer : -1)));
    expect([...layers].filter((l) => l >= 0).sort()).toEqual([0, 1, 2, 3]);
    expect(problem.nLogits).toBeGreaterThan(0);
    expect(problem.nLogits).toBeLessThanOrEqual(10);
  });

  it("is complete (1e-4 relative) with rows (VJP) equal to columns (JVP)", () => {
    const columns = adjacencyByColumns(forward.model, problem.sources, targets);
    let rowsVsColumns = 0;
    let scale = 0;
    for (let i = 0; i < rows.length; i++) {
      rowsVsColumns = Math.max(rowsVsColumns, Math.abs(rows[i]! - columns[i]!));
      scale = Math.max(scale, Math.abs(rows[i]!));
    }
    expect(rowsVsColumns / scale).toBeLessThan(1e-12);
    let worst = 0;
    for (let t = 0; t < targets.count; t++) {
      let sum = constants[t]!;
      for (let s = 0; s < S; s++) sum += rows[t * S + s]!;
      worst = Math.max(worst, Math.abs(sum - truth[t]!) / Math.max(Math.abs(truth[t]!), 1e-3));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it("passes circuit-tracer's perturbation test for a feature, an error and an embedding", () => {
    const delta = 0.25;
    for (const s of [problem.nFeatures >> 1, problem.nFeatures + 6 + 3, S - 2]) {
      const { before, after } = perturbedTargets(setup, set, targets, s, delta);
      for (let t = 0; t < targets.count; t++) {
        const want = delta * rows[t * S + s]!;
        expect(Math.abs(after[t]! - before[t]! - want)).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(before[t]!)),
        );
      }
    }
  });

  it("GPU backward passes (B = 64) match the float64 reference to 1e-5 relative", async () => {
    const { device } = await testDevice();
    const run = await attribute(weights, set, prompt, {
      device: { device, shaders: loadNodeShaders() },
      batchRows: 64,
    });
    const g = run.graph;
    const n = g.nodes.length;
    expect(g.nFeatures).toBe(problem.nFeatures);
    expect(run.passes).toBe(Math.ceil(g.nLogits / 64) + Math.ceil(g.nFeatures / 64));
    let worst = 0;
    let scale = 0;
    const check = (graphRow: number, t: number) => {
      for (let s = 0; s < S; s++) {
        worst = Math.max(worst, Math.abs(g.adjacency[graphRow * n + s]! - rows[t * S + s]!));
        scale = Math.max(scale, Math.abs(rows[t * S + s]!));
      }
    };
    for (let t = 0; t < g.nFeatures; t++) check(t, t);
    for (let i = 0; i < g.nLogits; i++) check(n - g.nLogits + i, g.nFeatures + i);
    expect(scale).toBeGreaterThan(0.1);
    expect(worst / scale).toBeLessThan(1e-5);
  });
});
