import { describe, expect, it } from "vitest";
import { circuitTracerSmallGraph, handGraph } from "./circuitTestGraphs.ts";
import { computeGraphScores } from "./graphScores.ts";

/**
 * One layer, one position: nodes [feature 0, error 1, token 2, logit 3 (p = 1)].
 * The feature reads the token (2); the logit reads the feature (3), the error (1) and the
 * token (−1). Â's logit row is (0.6, 0.2, 0.2); I = (0.6, 0.2, 0.2 + 0.6, 0).
 */
function tinyGraph() {
  return handGraph({
    nLayer: 1,
    tokens: [4],
    features: [[0, 0, 9, 1.5]],
    logits: [[5, 1]],
    edges: [
      [0, 2, 2],
      [3, 0, 3],
      [3, 1, 1],
      [3, 2, -1],
    ],
  });
}

describe("computeGraphScores", () => {
  it("scores a graph computed by hand", () => {
    const { replacementScore, completenessScore } = computeGraphScores(tinyGraph());
    // Replacement 0.8 / (0.8 + 0.2). Completeness: only the logit row has error input (0.2);
    // Σ (I + w) = 0.6 + 0.2 + 0.8 + 1 = 2.6, of which 0.6 + 0.2 + 0.8 + 0.8 is non-error.
    expect(replacementScore).toBeCloseTo(0.8, 12);
    expect(completenessScore).toBeCloseTo(2.4 / 2.6, 12);
  });

  it("scores a pruned graph on the kept edges only", () => {
    const all = new Uint8Array(4).fill(1);
    const edges = new Uint8Array(16).fill(1);
    edges[3 * 4 + 2] = 0; // drop logit ← token: the logit row becomes (0.75, 0.25, 0)
    const withoutEdge = computeGraphScores(tinyGraph(), { nodeMask: all, edgeMask: edges });
    // I = (0.75, 0.25, 0.75, 0): replacement 0.75; completeness (0.75 + 0.25 + 0.75 + 0.75) / 2.75.
    expect(withoutEdge.replacementScore).toBeCloseTo(0.75, 12);
    expect(withoutEdge.completenessScore).toBeCloseTo(2.5 / 2.75, 12);

    const withoutError = computeGraphScores(tinyGraph(), {
      nodeMask: Uint8Array.of(1, 0, 1, 1),
      edgeMask: new Uint8Array(16).fill(1),
    });
    expect(withoutError.replacementScore).toBe(1);
    expect(withoutError.completenessScore).toBe(1);
  });

  it("scores circuit-tracer's 12-node test graph", () => {
    // Tokens 1/4 + 1/6, errors 1/3 + 1/4. Error shares: row 3 1/3 (node 6), row 11 1/2 (6, 8).
    const { replacementScore, completenessScore } = computeGraphScores(circuitTracerSmallGraph());
    expect(replacementScore).toBeCloseTo(5 / 12, 12);
    expect(completenessScore).toBeCloseTo(25 / 32, 12);
  });

  it("rejects masks of the wrong size", () => {
    expect(() =>
      computeGraphScores(tinyGraph(), {
        nodeMask: new Uint8Array(3),
        edgeMask: new Uint8Array(16),
      }),
    ).toThrow(/node mask: expected 4 entries, found 3/);
  });
});
