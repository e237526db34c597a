import { describe, expect, it } from "vitest";
import { editsFromGraph, graphFileName, graphWithEdits } from "./graphEdits.ts";
import { parseGraphJson } from "../../engine/circuits/graphJson.ts";
import { smallGraph } from "./testGraphs.ts";

describe("graph edits in the JSON", () => {
  it("round-trips pins, supernodes, labels and the clicked node through a downloaded file", () => {
    const json = smallGraph();
    const [a, b, c] = json.nodes.filter((n) => n.feature_type === "cross layer transcoder");
    const edits = {
      pinnedIds: [a!.node_id, b!.node_id, c!.node_id],
      supernodes: [{ label: "cat <subject>", nodeIds: [a!.node_id, b!.node_id] }],
      clerps: { [c!.node_id]: 'says "mat"' },
      clickedId: b!.node_id,
    };
    const text = JSON.stringify(graphWithEdits(json, edits));
    const back = parseGraphJson(text, "edited.json");
    expect(back.qParams.pinnedIds).toEqual(edits.pinnedIds);
    expect(back.qParams.supernodes).toEqual([["cat <subject>", a!.node_id, b!.node_id]]);
    expect(back.qParams.linkType).toBe("both");
    expect(back.nodes.find((n) => n.node_id === c!.node_id)!.clerp).toBe('says "mat"');
    expect(back.nodes.find((n) => n.node_id === a!.node_id)!.clerp).toBe("");
    // Reading it again gives the same edits (labels now live in the nodes' clerp).
    expect(editsFromGraph(back)).toEqual({ ...edits, clerps: {} });
    // Nothing else changed.
    expect(back.links).toEqual(json.links);
    expect(back.metadata).toEqual(json.metadata);
    expect(back.nodes.map((n) => n.node_id)).toEqual(json.nodes.map((n) => n.node_id));
  });

  it("pins a file's supernode members and drops ids the graph lacks", () => {
    const json = smallGraph();
    const [a, b] = json.nodes;
    json.qParams = {
      ...json.qParams,
      pinnedIds: ["9_999_9", a!.node_id],
      supernodes: [["g", a!.node_id, b!.node_id, "8_1_1"]],
      clickedId: "nope",
    };
    expect(editsFromGraph(json)).toEqual({
      pinnedIds: [a!.node_id, b!.node_id],
      supernodes: [{ label: "g", nodeIds: [a!.node_id, b!.node_id] }],
      clerps: {},
      clickedId: "",
    });
  });

  it("names the download after the slug, safely", () => {
    const json = smallGraph();
    expect(graphFileName(json)).toBe("cat-sat.json");
    json.metadata.slug = "../a b/c";
    expect(graphFileName(json)).toBe("..-a-b-c.json");
    json.metadata.slug = "";
    expect(graphFileName(json)).toBe("graph.json");
  });
});
