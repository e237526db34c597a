import { describe, expect, it } from "vitest";
import {
  groupPinned,
  removeSupernode,
  renameSupernode,
  supernodesFromJson,
  supernodesToJson,
  ungroupedPins,
  withoutNode,
} from "./supernodes.ts";

describe("supernodes", () => {
  const pins = ["1_37_2", "2_5_3", "0_8_2", "3_9_5"];

  it("groups the pinned nodes not yet in a supernode, with the label typed or a numbered one", () => {
    const one = groupPinned(pins.slice(0, 2), [], "  says cat ");
    expect(one).toEqual([{ label: "says cat", nodeIds: ["1_37_2", "2_5_3"] }]);
    const two = groupPinned(pins, one, "");
    expect(two[1]).toEqual({ label: "Supernode 2", nodeIds: ["0_8_2", "3_9_5"] });
    expect(ungroupedPins(pins, two)).toEqual([]);
    expect(() => groupPinned(pins, two, "x")).toThrow("at least 2 pinned nodes; 0 are ungrouped");
    expect(() => groupPinned(["1_37_2"], [], "x")).toThrow("1 are ungrouped");
  });

  it("renames, removes, and loses an unpinned member (an emptied group goes)", () => {
    const groups = [
      { label: "a", nodeIds: ["1_37_2", "2_5_3"] },
      { label: "b", nodeIds: ["0_8_2"] },
    ];
    expect(renameSupernode(groups, 1, "noun")[1]!.label).toBe("noun");
    expect(renameSupernode(groups, 1, "noun")[0]).toBe(groups[0]);
    expect(removeSupernode(groups, 0)).toEqual([groups[1]]);
    expect(withoutNode(groups, "0_8_2")).toEqual([groups[0]]);
    expect(withoutNode(groups, "2_5_3")[0]!.nodeIds).toEqual(["1_37_2"]);
  });

  it("reads and writes circuit-tracer's [[label, ...ids]] form, dropping unknown ids", () => {
    const groups = [{ label: "cat", nodeIds: ["1_37_2", "2_5_3"] }];
    expect(supernodesToJson(groups)).toEqual([["cat", "1_37_2", "2_5_3"]]);
    const known = new Set(["1_37_2", "2_5_3"]);
    expect(supernodesFromJson(supernodesToJson(groups), known)).toEqual(groups);
    expect(
      supernodesFromJson([["x", "9_9_9"], ["lonely"], ["y", "2_5_3", "8_8_8"]], known),
    ).toEqual([{ label: "y", nodeIds: ["2_5_3"] }]);
  });
});
