import { describe, expect, it } from "vitest";
import {
  layoutForView,
  layoutGraph,
  LINE_HEIGHT,
  MIN_COLUMN_WIDTH,
  ROW_HEIGHT,
  SHAPE_EXTENT,
} from "./graphLayout.ts";
import { largeGraph, smallGraph } from "./testGraphs.ts";
import { buildViewGraph } from "./viewGraph.ts";

describe("layoutGraph", () => {
  for (const [name, make, perLine] of [
    ["small", smallGraph, Infinity],
    ["500-node", largeGraph, Infinity],
    ["500-node, wrapped at 8 a line,", largeGraph, 8],
  ] as const) {
    it(`puts no two nodes of a ${name} graph on top of each other`, () => {
      const view = buildViewGraph(make());
      const layout = layoutGraph(view, perLine);
      const reach = (k: number) => SHAPE_EXTENT[view.nodes[k]!.kind] * layout.r[k]!;
      const n = view.nodes.length;
      const clashes: string[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const dx = Math.abs(layout.x[i]! - layout.x[j]!);
          const dy = Math.abs(layout.y[i]! - layout.y[j]!);
          const sameColumn = view.nodes[i]!.json.ctx_idx === view.nodes[j]!.json.ctx_idx;
          // Each shape fits its box: boxes apart along x or y do not touch. On one line, slots
          // do not overlap (a label has its slot's width); lines of a column are a label apart.
          const apart =
            Math.max(dx, dy) > reach(i) + reach(j) &&
            (dy !== 0 || dx >= (layout.slot[i]! + layout.slot[j]!) / 2 - 1e-3) &&
            (dy === 0 || !sameColumn || dy >= LINE_HEIGHT - 1e-3);
          if (!apart)
            clashes.push(`${view.nodes[i]!.json.node_id} and ${view.nodes[j]!.json.node_id}`);
        }
      }
      expect(clashes).toEqual([]);
    });
  }

  it("puts each node in its token's column and its layer's row: embeddings at the bottom, logits on top", () => {
    const view = buildViewGraph(smallGraph());
    const layout = layoutGraph(view);
    expect(layout.columns).toHaveLength(6);
    expect(layout.rowY).toHaveLength(6); // embeddings, 4 layers, logits
    expect(layout.height).toBe(6 * ROW_HEIGHT);
    expect(layout.rowHeight).toEqual(new Array(6).fill(ROW_HEIGHT));
    for (const node of view.nodes) {
      const column = layout.columns[node.json.ctx_idx]!;
      const x = layout.x[node.index]!;
      expect(x).toBeGreaterThan(column.x);
      expect(x).toBeLessThan(column.x + column.width);
      const half = layout.rowHeight[node.row]! / 2;
      expect(Math.abs(layout.y[node.index]! - layout.rowY[node.row]!)).toBeLessThan(half);
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

  it("wraps a crowded graph's cells onto more lines when the view is less wide than the graph", () => {
    const view = buildViewGraph(largeGraph());
    const flat = layoutGraph(view);
    expect(flat.width / flat.height).toBeGreaterThan(5);
    // A view as wide as the flat graph keeps it flat; a 3:2 view gets wrapped cells, so the nodes
    // are drawn larger when the graph is fitted to it.
    expect(layoutForView(view, flat.width / flat.height).height).toBe(flat.height);
    const wrapped = layoutForView(view, 1.5);
    expect(wrapped.height).toBeGreaterThan(flat.height);
    expect(wrapped.width).toBeLessThan(flat.width * 0.6);
    const fitted = (l: typeof flat) => Math.min(1.5 / l.width, 1 / l.height);
    const meanSlot = (l: typeof flat) => l.slot.reduce((a, b) => a + b, 0) / l.slot.length;
    expect(fitted(wrapped) * meanSlot(wrapped)).toBeGreaterThan(
      1.5 * fitted(flat) * meanSlot(flat),
    );
    // Rows still go up the layers, and each node stays in its row.
    for (const node of view.nodes) {
      const half = wrapped.rowHeight[node.row]! / 2;
      expect(Math.abs(wrapped.y[node.index]! - wrapped.rowY[node.row]!)).toBeLessThan(half);
    }
  });
});
