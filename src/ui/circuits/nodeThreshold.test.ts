import { describe, expect, it } from "vitest";
import { initialThreshold, visibleLinks, visibleNodes } from "./nodeThreshold.ts";
import { smallGraph } from "./testGraphs.ts";
import { buildViewGraph } from "./viewGraph.ts";

describe("the node threshold", () => {
  const view = buildViewGraph(smallGraph());
  const inner = view.nodes.filter((n) => n.kind === "feature" || n.kind === "error");

  it("hides nodes whose cumulative influence is above it, never tokens or logits", () => {
    const shown = visibleNodes(view, 0.4);
    for (const node of view.nodes) {
      const expected =
        node.kind === "embedding" || node.kind === "logit" || node.json.influence! <= 0.4;
      expect(shown[node.index], node.json.node_id).toBe(expected ? 1 : 0);
    }
    const hidden = inner.filter((n) => !shown[n.index]).length;
    // Influences are spread evenly up to 0.8: about half the inner nodes are over 0.4.
    expect(hidden).toBeGreaterThan(inner.length * 0.4);
    expect(hidden).toBeLessThan(inner.length * 0.6);
    expect(
      visibleNodes(view, 0).filter(
        (v, i) => v && view.nodes[i]!.kind !== "embedding" && view.nodes[i]!.kind !== "logit",
      ),
    ).toHaveLength(0);
  });

  it("keeps a pinned node shown whatever its influence", () => {
    const weakest = inner.reduce((a, b) => (b.json.influence! > a.json.influence! ? b : a));
    expect(visibleNodes(view, 0.1)[weakest.index]).toBe(0);
    expect(visibleNodes(view, 0.1, new Set([weakest.index]))[weakest.index]).toBe(1);
  });

  it("hides the edges of hidden nodes", () => {
    const shown = visibleNodes(view, 0.4);
    const links = visibleLinks(view, shown);
    expect(links.length).toBeGreaterThan(0);
    expect(links.length).toBeLessThan(view.linkSource.length);
    for (let i = 0; i < view.linkSource.length; i++) {
      const both = shown[view.linkSource[i]!]! && shown[view.linkTarget[i]!]!;
      expect(links.includes(i)).toBe(Boolean(both));
    }
    expect(visibleLinks(view, visibleNodes(view, 1))).toHaveLength(view.linkSource.length);
  });

  it("starts where every node of the file shows", () => {
    const start = initialThreshold(view, 0.8);
    expect(start).toBe(0.8);
    expect(visibleNodes(view, start).every((v) => v === 1)).toBe(true);
    expect(initialThreshold(view, 0.5)).toBe(0.8);
    expect(initialThreshold(view, 0.9)).toBe(0.9);
  });
});
