import { describe, expect, it } from "vitest";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { setUpAttribution, type AttributionSetup } from "./attributionSetup.ts";
import { adjacencyByColumns } from "./columnReference.ts";
import { perturbedTargets, referenceRows, targetTruth } from "./exactnessChecks.ts";
import { EVERY_ARCHITECTURE, randomTranscoderSet } from "./randomTranscoderSet.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

const config = tinyConfig({ nLayer: 4 });
const weights = processWeights(randomGpt2Weights(config, 5));
const d = config.dModel;
const BOS = 0;
const prompt = [5, 12, 3, 30, 7];

function relativeError(got: number, want: number, scale: number): number {
  return Math.abs(got - want) / Math.max(Math.abs(want), scale);
}

function checkSetup(name: string, set: TranscoderSet) {
  describe(name, () => {
    const setup: AttributionSetup = setUpAttribution(weights, set, prompt, { bos: BOS });
    const { problem, forward } = setup;
    const { targets, truth, constants, biases } = targetTruth(setup, set);
    const S = problem.sources.count;
    const columns = adjacencyByColumns(forward.model, problem.sources, targets);
    const rows = referenceRows(setup, targets);

    it("has BOS first, features only past it, and every kind of node", () => {
      expect(forward.tokens).toEqual([BOS, ...prompt]);
      expect(problem.nFeatures).toBeGreaterThan(40);
      expect(problem.nErrors).toBe(4 * 6);
      expect(problem.nTokens).toBe(6);
      expect(problem.nLogits).toBeGreaterThan(0);
      const features = problem.nodes.slice(0, problem.nFeatures);
      features.forEach((n) => expect(n.type === "feature" && n.pos > 0).toBe(true));
      const keys = features.map((n) => (n.type === "feature" ? [n.layer, n.pos, n.feature] : []));
      const sorted = [...keys].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
      expect(keys).toEqual(sorted);
    });

    it("backward rows (B's reference) equal forward columns (JVP)", () => {
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < rows.length; i++) {
        worst = Math.max(worst, Math.abs(rows[i]! - columns[i]!));
        scale = Math.max(scale, Math.abs(columns[i]!));
      }
      expect(scale).toBeGreaterThan(0.1);
      expect(worst / scale).toBeLessThan(1e-12);
    });

    it("completeness: Σ_s A[t, s] + c_t is each pre-activation and centred logit", () => {
      for (const a of [columns, rows]) {
        let worst = 0;
        let worstOfTerms = 0;
        for (let t = 0; t < targets.count; t++) {
          let sum = constants[t]!;
          let magnitude = Math.abs(sum);
          for (let s = 0; s < S; s++) {
            sum += a[t * S + s]!;
            magnitude += Math.abs(a[t * S + s]!);
          }
          worst = Math.max(worst, relativeError(sum, truth[t]!, 1e-3));
          worstOfTerms = Math.max(worstOfTerms, Math.abs(sum - truth[t]!) / magnitude);
        }
        expect(worst).toBeLessThan(1e-4);
        // Sources and target rows are float32 (frozenModel.ts): what is left is their rounding.
        expect(worstOfTerms).toBeLessThan(3e-7);
      }
    });

    it("circuit-tracer's perturbation test: scaling a source by 1 + δ moves each target by δ·A[t, s]", () => {
      const delta = 0.5;
      const chosen = [0, 7, problem.nFeatures - 1, problem.nFeatures + 6 + 2, S - 1, S - 3];
      for (const s of chosen) {
        const { before, after } = perturbedTargets(setup, set, targets, s, delta);
        let moved = 0;
        for (let t = 0; t < targets.count; t++) {
          expect(relativeError(before[t]! + biases[t]!, truth[t]!, 1e-3)).toBeLessThan(1e-4);
          const want = delta * rows[t * S + s]!;
          expect(Math.abs(after[t]! - before[t]! - want), `source ${s}, target ${t}`).toBeLessThan(
            1e-9 * Math.max(1, Math.abs(before[t]!)),
          );
          moved = Math.max(moved, Math.abs(want));
        }
        expect(moved, `source ${s} reaches some target`).toBeGreaterThan(1e-3);
      }
    });

    it("structure: no edge from a layer at or above the target's, or from a later position", () => {
      let allowed = 0;
      const violations: string[] = [];
      for (let t = 0; t < targets.count; t++) {
        for (let s = 0; s < S; s++) {
          const slot = problem.sources.slot[s]!;
          const sourceLayer = slot === config.nLayer ? -1 : slot;
          const value = rows[t * S + s]!;
          const forbidden =
            sourceLayer >= targets.layer[t]! || problem.sources.pos[s]! > targets.pos[t]!;
          if (forbidden && value !== 0) violations.push(`A[${t}, ${s}] = ${value}`);
          if (!forbidden && value !== 0) allowed++;
        }
      }
      expect(violations).toEqual([]);
      expect(allowed).toBeGreaterThan(targets.count);
    });

    it("feature targets read W_enc times the frozen input scale, sources a·W_dec", () => {
      const node = problem.nodes[problem.nFeatures - 1]!;
      if (node.type !== "feature") throw new Error("expected a feature");
      const t = set.layers[node.layer]!;
      const scale = forward.layers[node.layer]!.inputScale[node.pos]!;
      const i = problem.nFeatures - 1;
      const dSae = t.spec.dSae;
      for (const c of [0, 5, d - 1]) {
        expect(problem.featureTargets.vectors[i * d + c]).toBe(
          Math.fround(scale * t.params.wEnc[c * dSae + node.feature]!),
        );
        expect(problem.sources.vectors[i * d + c]).toBe(
          Math.fround(node.activation * t.params.wDec[node.feature * d + c]!),
        );
      }
    });
  });
}

checkSetup(
  "random GPT-2, every architecture (ReLU; TopK, layer_norm input; JumpReLU + skip; TopK + skip, constant_norm_rescale)",
  randomTranscoderSet(d, EVERY_ARCHITECTURE, 2),
);
checkSetup(
  "random GPT-2, a layer without a transcoder",
  randomTranscoderSet(
    d,
    [EVERY_ARCHITECTURE[2], undefined, EVERY_ARCHITECTURE[0], EVERY_ARCHITECTURE[3]],
    3,
  ),
);
