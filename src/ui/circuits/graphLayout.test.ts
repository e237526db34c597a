import { describe, expect, it } from "vitest";
import { layoutGraph, MIN_COLUMN_WIDTH, ROW_HEIGHT, SHAPE_EXTENT } from "./graphLayout.ts";
import { largeGraph, smallGraph } from "./testGraphs.ts";
import { buildViewGraph } from "./viewGraph.ts";

describe("layoutGraph", () => {
  for (const [name, make] of [
    ["small", smallGraph],
    ["500-node", largeGraph],
  ] as const) {
    it(`puts no two nodes of a ${name} graph on top of each other`, () => {
      const view = buildViewGraph(make());
      const layout = layoutGraph(view);
      const n = view.nodes.length;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (layout.y[i] !== layout.y[j]) continue;
          const gap = Math.abs(layout.x[i]! - layout.x[j]!);
          // Slots of a row never overlap, and each shape stays inside its slot.
          expect(gap).toBeGreaterThanOrEqual((layout.slot[i]! + layout.slot[j]!) / 2 - 1e-3);
          const reach = (k: number) => SHAPE_EXTENT[view.nodes[k]!.kind] * layout.r[k]!;
          expect(gap).toBeGreaterThan(reach(i) + reach(j));
        }
      }
    });
  }

  it("puts each node in its token's column and its layer's row: embeddings at the bottom, logits on top", () => {
    const view = buildViewGraph(smallGraph());
    const layout = layoutGraph(view);
    expect(layout.columns).toHaveLength(6);
    expect(layout.rowY).toHaveLength(6); // embeddings, 4 layers, logits
    expect(layout.height).toBe(6 * ROW_HEIGHT);
    for (const node of view.nodes) {
      const column = layout.columns[node.json.ctx_idx]!;
      const x = layout.x[node.index]!;
      expect(x).toBeGreaterThan(column.x);
      expect(x).toBeLessThan(column.x + column.width);
      expect(Math.abs(layout.y[node.index]! - layout.rowY[node.row]!)).toBeLessThan(ROW_HEIGHT / 2);
    }
    const ys = (kind: string) =>
      view.nodes.filter((n) => n.kind === kind).map((n) => layout.y[n.index]!);
    expect(Math.min(...ys("embedding"))).toBeGreaterThan(Math.max(...ys("feature")));
    expect(Math.max(...ys("logit"))).toBeLessThan(Math.min(...ys("feature")));
    // A feature of layer 3 sits above one of layer 0.
    const row = (l: number) => view.nodes.find((n) => n.kind === "feature" && n.layer === l)!;
    expect(layout.y[row(3).index]!).toBeLessThan(layout.y[row(0).index]!);
  });

  it("widens a crowded column instead of shrinking its nodes to nothing", () => {
    const view = buildViewGraph(largeGraph());
    const layout = layoutGraph(view);
    const widths = layout.columns.map((c) => c.width);
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(MIN_COLUMN_WIDTH);
    expect(Math.max(...widths)).toBeGreaterThan(MIN_COLUMN_WIDTH);
    expect(Math.min(...layout.slot)).toBeGreaterThanOrEqual(11.9);
    // More important nodes are drawn larger, within a cell of the same slot.
    const top = view.nodes.reduce((a, b) =>
      b.kind === "feature" && b.importance > a.importance ? b : a,
    );
    const low = view.nodes.reduce((a, b) =>
      b.kind === "feature" && b.importance < a.importance ? b : a,
    );
    expect(layout.r[top.index]! / layout.slot[top.index]!).toBeGreaterThan(
      layout.r[low.index]! / layout.slot[low.index]!,
    );
  });
});
