import { describe, expect, it } from "vitest";
import { randomTranscoderSet } from "../engine/circuits/randomTranscoderSet.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { assembleSet, type SetSources } from "./circuitsSet.ts";

const weights = await loadModelFolder("builtin", { processing: true });
const d = weights.config.dModel;
const random = randomTranscoderSet(
  d,
  [{ dSae: 8, activation: { kind: "relu" } }, undefined, { dSae: 8, activation: { kind: "relu" } }],
  3,
);
const [l0, , l2] = random.layers;
const stored = [
  // As a run saves them: the constant scale folded in, the spec still naming it.
  {
    id: "transcoder.L0",
    spec: { ...l0!.spec, normalizeActivations: "expected_average_only_in" as const },
    params: l0!.params,
  },
  { id: "transcoder.L2", spec: l2!.spec, params: l2!.params },
];
const sources = (runs: typeof stored | undefined): SetSources => ({
  runDictionaries: () => Promise.resolve(runs),
  loaded: () => undefined,
});

describe("a Circuits set assembled in the worker", () => {
  it("places a run's transcoders by layer, its folded scale read as none, other layers empty", async () => {
    const set = await assembleSet({ kind: "run", runId: "r" }, weights, sources(stored));
    expect(set.layers.map((t) => t?.source)).toEqual([
      "transcoder.L0",
      undefined,
      "transcoder.L2",
      undefined,
    ]);
    expect(set.layers[0]!.spec.normalizeActivations).toBe("none");
    expect(set.layers[2]!.params).toBe(l2!.params);
  });

  it("refuses, saying which, a second transcoder for a layer, a run without weights, a load gone", async () => {
    const twice = [...stored, { ...stored[1]!, id: "transcoder.L2.b" }];
    await expect(assembleSet({ kind: "run", runId: "r" }, weights, sources(twice))).rejects.toThrow(
      "transcoder.L2.b is a second transcoder for layer 2 (the first is transcoder.L2); a set has one per layer",
    );
    await expect(
      assembleSet({ kind: "run", runId: "r" }, weights, sources(undefined)),
    ).rejects.toThrow("this run has no saved weights");
    await expect(
      assembleSet({ kind: "loaded", loadIds: ["load-4"] }, weights, sources(stored)),
    ).rejects.toThrow("load-4 is no longer loaded; load it again in Inspect");
  });
});
