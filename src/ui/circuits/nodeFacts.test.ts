import { describe, expect, it } from "vitest";
import { edgeStyle } from "./edgePainter.ts";
import { fitLabel } from "./labelFit.ts";
import {
  featureIndex,
  graphLabel,
  logitOutput,
  nodeFacts,
  nodeName,
  strongestLinks,
} from "./nodeFacts.ts";
import { visibleNodes } from "./nodeThreshold.ts";
import { smallGraph } from "./testGraphs.ts";
import { buildViewGraph } from "./viewGraph.ts";

describe("node facts", () => {
  const view = buildViewGraph(smallGraph());
  const byKind = (kind: string) => view.nodes.find((n) => n.kind === kind)!;

  it("reads a logit's token and probability from its clerp", () => {
    const logit = byKind("logit");
    expect(logitOutput(logit)).toEqual({ token: " mat", probability: 0.31 });
    expect(nodeName(logit, view, logit.json.clerp)).toBe("Output ·mat");
    expect(nodeFacts(logit, view, logit.json.clerp)).toContainEqual(["probability", "0.31"]);
    expect(logitOutput(byKind("feature"))).toBeUndefined();
  });

  it("names a feature by its label, else its layer and latent index", () => {
    const f = byKind("feature");
    const [layer, index] = f.json.node_id.split("_").map(Number);
    expect(featureIndex(f)).toBe(index);
    expect(nodeName(f, view, "")).toBe(`L${layer} #${index}`);
    expect(nodeName(f, view, "cat-ness")).toBe("cat-ness");
    const facts = Object.fromEntries(nodeFacts(f, view, "cat-ness"));
    expect(facts.label).toBe("cat-ness");
    expect(facts.activation).toBe(String(f.json.activation));
    expect(facts.position).toBe(String(f.json.ctx_idx));
    expect(nodeName(byKind("embedding"), view, "")).toBe("Token <|endoftext|>");
    expect(nodeName(byKind("error"), view, "")).toMatch(/^Error L\d$/);
    // In the drawing the row and column say the layer and token: labels are short.
    expect(graphLabel(f, "")).toBe(`#${index}`);
    expect(graphLabel(f, "cat-ness")).toBe("cat-ness");
    expect(graphLabel(byKind("logit"), byKind("logit").json.clerp)).toBe("·mat");
    expect(graphLabel(byKind("embedding"), "")).toBe("");
    expect(graphLabel(byKind("error"), "")).toBe("");
  });

  it("lists a node's strongest links first, skipping hidden nodes", () => {
    const target = view.nodes.reduce((a, b) =>
      view.incoming[b.index]!.length > view.incoming[a.index]!.length ? b : a,
    );
    const all = strongestLinks(view, target.index, "incoming", 100);
    expect(all.length).toBe(view.incoming[target.index]!.length);
    expect(all.length).toBeGreaterThan(2);
    for (let i = 1; i < all.length; i++) {
      expect(Math.abs(all[i - 1]!.weight)).toBeGreaterThanOrEqual(Math.abs(all[i]!.weight));
    }
    expect(
      all.every(
        (l) => view.linkTarget[l.link] === target.index && view.linkSource[l.link] === l.other,
      ),
    ).toBe(true);
    expect(strongestLinks(view, target.index, "incoming", 2)).toEqual(all.slice(0, 2));
    const shown = visibleNodes(view, 0.3);
    expect(
      strongestLinks(view, target.index, "incoming", 100, shown).every((l) => shown[l.other]),
    ).toBe(true);
  });

  it("draws stronger edges wider and more opaque, and cuts labels to fit", () => {
    const weak = edgeStyle(0.05);
    const strong = edgeStyle(1);
    expect(strong.width).toBeGreaterThan(weak.width);
    expect(strong.alpha).toBeGreaterThan(weak.alpha);
    expect(strong.bucket).toBe(5);
    expect(fitLabel("a long feature label", 62)).toBe("a long fe…");
    expect(fitLabel("short", 62)).toBe("short");
    expect(fitLabel("anything", 12)).toBe("");
  });
});
