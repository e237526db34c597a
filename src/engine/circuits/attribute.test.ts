import { describe, expect, it } from "vitest";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { attribute } from "./attribute.ts";
import { selectTargets } from "./attributionNodes.ts";
import { setUpAttribution } from "./attributionSetup.ts";
import { referenceRows } from "./exactnessChecks.ts";
import { partialInfluences } from "./partialInfluence.ts";
import { EVERY_ARCHITECTURE, randomTranscoderSet } from "./randomTranscoderSet.ts";

const config = tinyConfig({ nLayer: 4 });
const weights = processWeights(randomGpt2Weights(config, 5));
const set = randomTranscoderSet(config.dModel, EVERY_ARCHITECTURE, 2);
const prompt = [5, 12, 3, 30];
const options = { bos: 0, scan: "tiny-random" };
const setup = setUpAttribution(weights, set, prompt, options);
const { problem } = setup;
const S = problem.sources.count;
const featureRows = referenceRows(setup, problem.featureTargets);
const logitRows = referenceRows(setup, problem.logitTargets);

describe("attribute", () => {
  it("builds every feature's and logit's row in circuit-tracer's node order", async () => {
    const progress: number[][] = [];
    const run = await attribute(weights, set, prompt, {
      ...options,
      batchRows: 16,
      onProgress: (done, total, passes) => progress.push([done, total, passes]),
    });
    const g = run.graph;
    const n = g.nodes.length;
    expect(g.tokens).toEqual([0, ...prompt]);
    expect([g.nFeatures, g.nErrors, g.nTokens, g.nLogits]).toEqual([
      problem.nFeatures,
      4 * 5,
      5,
      problem.nLogits,
    ]);
    expect(g.nodes).toEqual(problem.nodes);
    expect(g.scan).toBe("tiny-random");
    expect(g.transcoderList).toEqual([
      "random layer 0",
      "random layer 1",
      "random layer 2",
      "random layer 3",
    ]);
    for (let t = 0; t < n; t++) {
      const row = g.adjacency.subarray(t * n, (t + 1) * n);
      const want = new Float32Array(n);
      if (t < g.nFeatures) want.set(featureRows.subarray(t * S, (t + 1) * S));
      if (t >= n - g.nLogits) {
        const i = t - (n - g.nLogits);
        want.set(logitRows.subarray(i * S, (i + 1) * S));
      }
      expect(Array.from(row), `row ${t} (${g.nodes[t]!.type})`).toEqual(Array.from(want));
    }
    const passes = Math.ceil(g.nLogits / 16) + Math.ceil(g.nFeatures / 16);
    expect(run.passes).toBe(passes);
    expect(run.rows).toBe(g.nLogits + g.nFeatures);
    expect(progress.length).toBe(passes);
    expect(progress.at(-1)).toEqual([run.rows, run.rows, passes]);
    expect(progress[0]).toEqual([g.nLogits, run.rows, 1]);
  });

  it("with a feature-node cap, visits features by partial influence, re-ranked every 4 batches", async () => {
    const batchRows = 3;
    const cap = 17; // 4 batches of 3 ranked on the logit rows, then 5 re-ranked on all rows
    const run = await attribute(weights, set, prompt, {
      ...options,
      batchRows,
      maxFeatureNodes: cap,
    });
    const g = run.graph;
    expect(g.nFeatures).toBe(cap);
    expect(run.passes).toBe(Math.ceil(problem.nLogits / batchRows) + Math.ceil(12 / 3) + 2);

    const nodeCount = S + problem.nLogits;
    const probabilities = Float64Array.from(problem.nodes.slice(S), (node) =>
      node.type === "logit" ? node.probability : 0,
    );
    const rank = (rows: Float64Array, rowToNode: number[], exclude: Set<number>) => {
      const influence = partialInfluences(
        rows,
        rowToNode.length,
        S,
        Int32Array.from(rowToNode),
        probabilities,
        nodeCount,
      );
      return Array.from({ length: problem.nFeatures }, (_, i) => i)
        .filter((i) => !exclude.has(i))
        .sort((a, b) => influence[b]! - influence[a]! || a - b);
    };
    const logitNodes = Array.from({ length: problem.nLogits }, (_, i) => S + i);
    const first = rank(logitRows, logitNodes, new Set()).slice(0, 12);
    const firstRows = Float64Array.from([
      ...logitRows,
      ...first.flatMap((f) => Array.from(featureRows.subarray(f * S, (f + 1) * S))),
    ]);
    const second = rank(firstRows, [...logitNodes, ...first], new Set(first)).slice(0, 5);
    const selected = [...first, ...second].sort((a, b) => a - b);
    expect(g.nodes.slice(0, cap)).toEqual(selected.map((f) => problem.nodes[f]));
    expect(g.nodes.slice(cap)).toEqual(problem.nodes.slice(problem.nFeatures));

    // Kept rows and columns are the full adjacency's; the unvisited features' columns are gone.
    const n = g.nodes.length;
    const columnOf = (c: number) => (c < cap ? selected[c]! : problem.nFeatures + c - cap);
    const rowOf = (t: number) =>
      t < cap ? featureRows.subarray(selected[t]! * S, (selected[t]! + 1) * S) : undefined;
    for (let t = 0; t < cap; t++) {
      const full = rowOf(t)!;
      for (let c = 0; c < n - g.nLogits; c++) {
        expect(g.adjacency[t * n + c]).toBe(Math.fround(full[columnOf(c)]!));
      }
    }
    const lastLogit = n - 1;
    const full = logitRows.subarray((g.nLogits - 1) * S, g.nLogits * S);
    for (let c = 0; c < n - g.nLogits; c++) {
      expect(g.adjacency[lastLogit * n + c]).toBe(Math.fround(full[columnOf(c)]!));
    }
  });

  it("stops at the next batch when its signal is aborted", async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = attribute(weights, set, prompt, {
      ...options,
      batchRows: 4,
      signal: controller.signal,
      onProgress: () => {
        calls++;
        controller.abort();
      },
    });
    await expect(running).rejects.toThrow(/abort/i);
    expect(calls).toBe(1);
  });

  it("refuses an empty prompt, one too long with BOS, a bad batch size or cap", async () => {
    await expect(attribute(weights, set, [], options)).rejects.toThrow("the prompt is empty");
    await expect(attribute(weights, set, new Array(9).fill(3), options)).rejects.toThrow(
      "the prompt has 10 tokens with BOS first; the model's context is 9",
    );
    await expect(attribute(weights, set, prompt, { ...options, batchRows: 0 })).rejects.toThrow(
      "batchRows must be a positive integer, got 0",
    );
    await expect(
      attribute(weights, set, prompt, { ...options, maxFeatureNodes: -1 }),
    ).rejects.toThrow("maxFeatureNodes must be a non-negative integer, got -1");
  });
});

it("selectTargets picks rows in the order asked", () => {
  const picked = selectTargets(problem.featureTargets, [5, 2], config.dModel);
  expect(picked.count).toBe(2);
  expect(Array.from(picked.layer)).toEqual([
    problem.featureTargets.layer[5],
    problem.featureTargets.layer[2],
  ]);
  expect(Array.from(picked.vectors.subarray(16, 32))).toEqual(
    Array.from(problem.featureTargets.vectors.subarray(32, 48)),
  );
});
