import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { circuitTracerSmallGraph, handGraph } from "./circuitTestGraphs.ts";
import { findThreshold } from "./cumulativeThreshold.ts";
import { computeEdgeInfluence, computeInfluence, normalizeMatrix, pruneGraph } from "./pruning.ts";

const N = 12;

function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 12);
}

/**
 * find_threshold as graph.py writes it: a full sort, a running sum, searchsorted (left); past
 * the end (rounding at a threshold of 1), the smallest positive score.
 */
function findThresholdBySort(scores: number[], threshold: number): number {
  const sorted = [...scores].sort((a, b) => b - a);
  const total = sorted.reduce((s, x) => s + x, 0);
  if (total === 0) return sorted[0]!; // a NaN fraction: searchsorted gives index 0
  let cumulative = 0;
  for (let i = 0; i < sorted.length; i++) {
    cumulative += sorted[i]!;
    if (cumulative / total >= threshold) return sorted[i]!;
  }
  return Math.min(...sorted.filter((x) => x > 0));
}

const logitWeights = () => {
  const w = new Float64Array(N);
  w[N - 1] = 1;
  return w;
};

describe("circuit-tracer's test_graph.py small graph", () => {
  it("gives its node influences", () => {
    const graph = circuitTracerSmallGraph();
    const influence = computeInfluence(normalizeMatrix(graph.adjacency, N), logitWeights(), N);
    expectAllClose(influence, [1 / 12, 1 / 3, 0, 1 / 4, 0, 0, 1 / 3, 0, 1 / 4, 1 / 4, 1 / 6, 0]);
  });

  it("gives its edge scores after node pruning zeroes [0, 9] and [3, 0]", () => {
    const pruned = Float32Array.from(circuitTracerSmallGraph().adjacency);
    pruned[0 * N + 9] = 0;
    pruned[3 * N + 0] = 0;
    const want = new Float64Array(N * N);
    for (const s of [1, 3, 6, 8]) want[11 * N + s] = 1 / 4;
    for (const s of [1, 6]) want[3 * N + s] = 1 / 8;
    for (const s of [9, 10]) want[1 * N + s] = 3 / 16;
    expectAllClose(computeEdgeInfluence(pruned, logitWeights(), N), want);
  });

  it("prunes node 0 (influence 1/12 below the 0.8 cut at 1/4) and keeps every remaining edge", () => {
    const graph = circuitTracerSmallGraph();
    const { nodeMask, edgeMask, cumulativeScores } = pruneGraph(graph);
    expect(Array.from(nodeMask)).toEqual([0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1]);
    const kept = [...edgeMask.keys()]
      .filter((e) => edgeMask[e])
      .map((e) => [Math.floor(e / N), e % N]);
    expect(kept).toEqual([
      [1, 9],
      [1, 10],
      [3, 1],
      [3, 6],
      [11, 1],
      [11, 3],
      [11, 6],
      [11, 8],
    ]);
    // Descending 1, 6 (1/3), 3, 8, 9 (1/4), 10 (1/6), 0 (1/12) over a total of 20/12.
    expectAllClose(cumulativeScores, [1, 0.2, 1, 0.55, 1, 1, 0.4, 1, 0.7, 0.85, 0.95, 1]);
  });

  it("cleans up iteratively: a 0.5 edge cut keeps only the logit's edges, so features 1 and 3 lose their inputs", () => {
    const { nodeMask, edgeMask } = pruneGraph(circuitTracerSmallGraph(), 0.8, 0.5);
    expect(Array.from(nodeMask)).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1]);
    const kept = [...edgeMask.keys()]
      .filter((e) => edgeMask[e])
      .map((e) => [Math.floor(e / N), e % N]);
    expect(kept).toEqual([
      [11, 6],
      [11, 8],
    ]);
  });

  it("rejects thresholds outside [0, 1]", () => {
    expect(() => pruneGraph(circuitTracerSmallGraph(), 1.2)).toThrow(
      /node_threshold must be between 0.0 and 1.0/,
    );
    expect(() => pruneGraph(circuitTracerSmallGraph(), 0.8, -0.1)).toThrow(/edge_threshold/);
  });
});

describe("pruneGraph", () => {
  it("keeps tokens and logits but prunes an error node, and weights logits by probability", () => {
    // One layer, two positions: feature 0 at pos 1 reads token 1; logits read the feature
    // (strongly) and the error at pos 1 (weakly); logit 1 has a tenth of logit 0's weight.
    const graph = handGraph({
      nLayer: 1,
      tokens: [5, 6],
      features: [[0, 1, 3, 2.5]],
      logits: [
        [7, 0.9],
        [8, 0.1],
      ],
      edges: [
        [0, 4, 2],
        [5, 0, 9],
        [5, 2, 1],
        [6, 2, 4],
      ],
    });
    const { nodeMask, nodeInfluence } = pruneGraph(graph, 0.5);
    // I(feature) = 0.9·0.9 = 0.81, I(error 1) = 0.9·0.1 + 0.1·1 = 0.19, I(token 1) = 0.81.
    expectAllClose(nodeInfluence, [0.81, 0, 0.19, 0, 0.81, 0, 0]);
    expect(Array.from(nodeMask)).toEqual([1, 0, 0, 1, 1, 1, 1]);
  });

  it("rejects a graph whose adjacency does not match its node list", () => {
    const graph = circuitTracerSmallGraph();
    expect(() => pruneGraph({ ...graph, adjacency: new Float32Array(10) })).toThrow(
      /adjacency has 10 entries, expected 12² = 144/,
    );
    expect(() => pruneGraph({ ...graph, nErrors: 3, nTokens: 3 })).toThrow(
      /nErrors = 3, expected nLayer · nTokens = 6/,
    );
  });

  it("stops with circuit-tracer's error when influence never dies out (a cycle)", () => {
    const graph = circuitTracerSmallGraph();
    const cyclic = Float32Array.from(graph.adjacency);
    // 2 ⇄ 4, each the other's only input, and 2 feeds the logit: Â is no longer nilpotent.
    for (const [t, s] of [
      [2, 4],
      [4, 2],
      [11, 2],
    ])
      cyclic[t! * N + s!] = 10;
    expect(() => pruneGraph({ ...graph, adjacency: cyclic })).toThrow(
      /failed to converge after 1000 iterations/,
    );
  });
});

describe("findThreshold", () => {
  it("matches a full sort on random scores with ties and zeros, at every threshold", () => {
    const rand = seededRandom(7);
    for (const length of [1, 2, 17, 5000]) {
      const scores = Array.from({ length }, () => {
        const r = rand();
        return r < 0.3 ? 0 : r < 0.5 ? 0.25 : r * 10 ** (rand() * 6 - 3);
      });
      for (const threshold of [0, 0.3, 0.8, 0.98, 1]) {
        expect(findThreshold(scores, threshold)).toBe(findThresholdBySort(scores, threshold));
      }
    }
  });

  it("returns the largest score when every score is 0, and rejects negative or NaN scores", () => {
    expect(findThreshold([0, 0, 0], 0.8)).toBe(0);
    expect(() => findThreshold([1, -2], 0.8)).toThrow(/finite and non-negative, found -2/);
    expect(() => findThreshold([1, NaN], 0.8)).toThrow(/found NaN/);
    expect(() => findThreshold([Infinity], 0.8)).toThrow(/found Infinity/);
    expect(() => findThreshold([], 0.8)).toThrow(/no scores/);
  });
});
