import { describe, expect, it } from "vitest";
import { parseGraphJson } from "./localGraphJson.ts";
import { smallGraph } from "./testGraphs.ts";

describe("parseGraphJson", () => {
  const good = smallGraph();
  const text = (change: (g: Record<string, unknown>) => void) => {
    const g = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    change(g);
    return JSON.stringify(g);
  };

  it("reads a circuit-tracer graph file as it is", () => {
    expect(parseGraphJson(JSON.stringify(good), "g.json")).toEqual(good);
  });

  it("says which file and which field is wrong", () => {
    expect(() => parseGraphJson("{nodes", "g.json")).toThrow(/^g\.json: not JSON: /);
    expect(() => parseGraphJson("[]", "g.json")).toThrow("g.json: top level: expected an object");
    expect(() =>
      parseGraphJson(
        text((g) => delete g.links),
        "g.json",
      ),
    ).toThrow("g.json: links: expected an array");
    const nodes = (g: Record<string, unknown>) => g.nodes as Record<string, unknown>[];
    expect(() =>
      parseGraphJson(
        text((g) => (nodes(g)[3]!.ctx_idx = 6)),
        "g.json",
      ),
    ).toThrow("g.json: nodes[3].ctx_idx: expected a position 0–5 (prompt_tokens has 6), got 6");
    expect(() =>
      parseGraphJson(
        text((g) => (nodes(g)[2]!.node_id = nodes(g)[1]!.node_id)),
        "g.json",
      ),
    ).toThrow(`g.json: nodes[2].node_id: "${good.nodes[1]!.node_id}" appears twice`);
    expect(() =>
      parseGraphJson(
        text((g) => (nodes(g)[0]!.influence = "high")),
        "g.json",
      ),
    ).toThrow('g.json: nodes[0].influence: expected a number or null, got "high"');
    const links = (g: Record<string, unknown>) => g.links as Record<string, unknown>[];
    expect(() =>
      parseGraphJson(
        text((g) => (links(g)[5]!.target = "7_7_7")),
        "g.json",
      ),
    ).toThrow('g.json: links[5].target: "7_7_7" is not the node_id of a node in the file');
    expect(() =>
      parseGraphJson(
        text((g) => (links(g)[0]!.weight = null)),
        "g.json",
      ),
    ).toThrow("g.json: links[0].weight: expected a finite number, got null");
  });
});
