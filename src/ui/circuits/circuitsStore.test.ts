import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { useCircuitsStore } from "./circuitsStore.ts";

const FIXTURE = "test/fixtures/circuits/cat-sat-graph.json";
const fixtureFile = () => new File([readFileSync(FIXTURE)], "cat-sat-graph.json");

describe("the Circuits store", () => {
  beforeEach(() => useCircuitsStore.getState().clear());

  it("shows an uploaded graph, and its edits come back in the JSON it downloads", async () => {
    const store = useCircuitsStore.getState();
    await store.uploadFile(fixtureFile());
    const { shown, threshold, error } = useCircuitsStore.getState();
    expect(error).toBeUndefined();
    expect(shown!.origin).toEqual({ kind: "file", fileName: "cat-sat-graph.json" });
    expect(shown!.view.nodes).toHaveLength(44);
    expect(threshold).toBe(0.8);
    const ids = shown!.json.nodes.slice(0, 3).map((n) => n.node_id);
    for (const id of ids) store.togglePin(id);
    store.groupPinned("cat subject");
    store.setClerp(ids[0]!, "cat");
    store.select(ids[1]);
    const json = useCircuitsStore.getState().editedJson()!;
    expect(json.qParams.pinnedIds).toEqual(ids);
    expect(json.qParams.supernodes).toEqual([["cat subject", ...ids]]);
    expect(json.qParams.clickedId).toBe(ids[1]);
    expect(json.nodes[0]!.clerp).toBe("cat");
    // Unpinning takes a node out of its supernode.
    store.togglePin(ids[2]!);
    expect(useCircuitsStore.getState().supernodes).toEqual([
      { label: "cat subject", nodeIds: ids.slice(0, 2) },
    ]);
  });

  it("says which file is wrong and why, and keeps no graph", async () => {
    await useCircuitsStore.getState().uploadFile(new File(['{"nodes": []}'], "cfg.json"));
    const { shown, error, reading } = useCircuitsStore.getState();
    expect(shown).toBeUndefined();
    expect(reading).toBe(false);
    expect(error).toMatch(/^cfg\.json: .*metadata/);
  });
});
