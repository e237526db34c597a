import { describe, expect, it } from "vitest";
import { circuitTracerSmallGraph } from "./circuitTestGraphs.ts";
import { partialInfluences } from "./partialInfluence.ts";

describe("partialInfluences (circuit-tracer's compute_partial_influences)", () => {
  const graph = circuitTracerSmallGraph();
  const n = graph.nodes.length;
  const sources = n - graph.nLogits;

  /** Rows of the 12-node example for `nodes`, over the source columns. */
  function rowsOf(nodes: number[]) {
    const rows = new Float32Array(nodes.length * sources);
    nodes.forEach((t, r) =>
      rows.set(graph.adjacency.subarray(t * n, t * n + sources), r * sources),
    );
    return { rows, rowToNode: Int32Array.from(nodes) };
  }

  it("with every row, is test_graph's node influence", () => {
    const { rows, rowToNode } = rowsOf(Array.from({ length: n }, (_, i) => i));
    const influence = partialInfluences(rows, n, sources, rowToNode, Float64Array.of(1), n);
    const expected = [1 / 12, 1 / 3, 0, 1 / 4, 0, 0, 1 / 3, 0, 1 / 4, 1 / 4, 1 / 6, 0];
    expected.forEach((v, i) => expect(influence[i], `node ${i}`).toBeCloseTo(v, 12));
  });

  it("with only the logit row and one feature row, counts only the paths through them", () => {
    // Rows computed so far: the logit (11) and feature 3, in any order.
    const { rows, rowToNode } = rowsOf([11, 3]);
    const influence = partialInfluences(rows, 2, sources, rowToNode, Float64Array.of(1), n);
    // 11 → {1, 3, 6, 8} a quarter each; 3 → {0, 1, 6} a third of its quarter each.
    const expected = [1 / 12, 1 / 4 + 1 / 12, 0, 1 / 4, 0, 0, 1 / 4 + 1 / 12, 0, 1 / 4, 0, 0, 0];
    expected.forEach((v, i) => expect(influence[i], `node ${i}`).toBeCloseTo(v, 12));
  });

  it("refuses a cycle that never vanishes", () => {
    // Node 0 → 0 with the logit feeding it: the product never reaches zero.
    const rows = Float32Array.from([1, 0, 1, 0]);
    expect(() =>
      partialInfluences(rows, 2, 2, Int32Array.of(0, 2), Float64Array.of(1), 3, 20),
    ).toThrow("partial influences did not vanish in 20 iterations");
  });
});
