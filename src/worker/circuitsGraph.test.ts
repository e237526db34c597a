import { describe, expect, it } from "vitest";
import { circuitTracerSmallGraph } from "../engine/circuits/circuitTestGraphs.ts";
import { computeGraphScores } from "../engine/circuits/graphScores.ts";
import { graphNodeIds } from "../engine/circuits/graphNodeIds.ts";
import { graphFile, subgraphScores } from "./circuitsGraph.ts";

const KEEP_ALL = { node: 1, edge: 1 };

describe("a kept graph's file and subgraph scores", () => {
  const graph = circuitTracerSmallGraph();

  it("writes the full and pruned scores into metadata.info, as the Circuits view reads them", () => {
    const { json, scores } = graphFile(
      graph,
      { node: 0.8, edge: 0.98 },
      {
        slug: "g1",
        decodeToken: (t) => `<${t}>`,
        info: { set: "run 1" },
      },
    );
    expect(scores.full).toEqual(computeGraphScores(graph));
    expect(json.metadata.info).toMatchObject({
      set: "run 1",
      replacement_score: scores.pruned.replacementScore,
      completeness_score: scores.pruned.completenessScore,
      full_replacement_score: scores.full.replacementScore,
    });
    expect(json.metadata.pruning_settings).toEqual({ node_threshold: 0.8, edge_threshold: 0.98 });
    const ids = new Set(graphNodeIds(graph));
    for (const n of json.nodes) expect(ids.has(n.node_id)).toBe(true);
  });

  it("scores a pinned subgraph as Neuronpedia does: pinned features, their errors, tokens, logits", () => {
    const ids = graphNodeIds(graph);
    const { pruned } = graphFile(graph, KEEP_ALL, { slug: "g", decodeToken: String });
    // Pins features 1 and 3; error 6 feeds feature 3 and stays; feature 0 and error 8 drop out.
    // By hand: I = {1: 1/2, 3: 1/3, 6: 1/2, tokens: 1/4 each}, so replacement 1/2 and
    // completeness (2/3 + 1/6 + 1/2 + 1/2 + 1/2) / (1 + 1/3 + 1/2 + 1/2 + 1/2) = 14/17.
    const { scores, why } = subgraphScores(graph, pruned, [ids[1]!, ids[3]!]);
    expect(why).toBeUndefined();
    expect(scores!.replacementScore).toBeCloseTo(0.5, 12);
    expect(scores!.completenessScore).toBeCloseTo(14 / 17, 12);
  });

  it("says why instead of scoring when no feature is pinned or an id is unknown", () => {
    const { pruned } = graphFile(graph, KEEP_ALL, { slug: "g", decodeToken: String });
    const ids = graphNodeIds(graph);
    expect(subgraphScores(graph, pruned, [ids[9]!]).why).toMatch(/pin at least one feature/);
    expect(subgraphScores(graph, pruned, ["7_7_7"]).why).toBe(
      "pinned node 7_7_7 is not in this graph",
    );
  });
});
