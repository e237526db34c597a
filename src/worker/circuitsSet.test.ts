import { describe, expect, it } from "vitest";
import { randomTranscoderSet } from "../engine/circuits/randomTranscoderSet.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { assembleSet, type SetSources } from "./circuitsSet.ts";

const weights = await loadModelFolder("builtin", { processing: true });
const d = weights.config.dModel;
const random = randomTranscoderSet(
  d,
  [{ dSae: 8, activation: { kind: "relu" } }, undefined, { dSae: 8, activation: { kind: "relu" } }],
  3,
);
const [l0, , l2] = random.layers;
/** An SAE as a run saves one beside its transcoders. */
const sae = {
  id: "sae.L1",
  spec: {
    ...l0!.spec,
    kind: "sae",
    hookName: "blocks.1.hook_resid_pre",
    hookNameOut: "blocks.1.hook_resid_pre",
  } satisfies DictionarySpec,
  params: l0!.params,
};
const stored = [
  // As a run saves them: the constant scale folded in, the spec still naming it.
  {
    id: "transcoder.L0",
    spec: { ...l0!.spec, normalizeActivations: "expected_average_only_in" as const },
    params: l0!.params,
  },
  { id: "transcoder.L2", spec: l2!.spec, params: l2!.params },
];
type Stored = { id: string; spec: DictionarySpec; params: DictionaryParams }[];
const sources = (runs: Stored | undefined): SetSources => ({
  runDictionaries: () => Promise.resolve(runs),
  // Loaded in Inspect: the same dictionaries by id, named as Inspect names them.
  loaded: (loadId) => {
    const d = runs?.find((x) => x.id === loadId);
    return d && { ...d, name: `loaded ${d.id}` };
  },
});

describe("a transcoder set assembled in the worker (graphs and interventions)", () => {
  it("places a run's transcoders by layer, its folded scale read as none, other layers empty", async () => {
    const set = await assembleSet({ kind: "run", runId: "r" }, weights, sources([sae, ...stored]));
    expect(set.layers.map((t) => t?.source)).toEqual([
      "transcoder.L0",
      undefined,
      "transcoder.L2",
      undefined,
    ]);
    expect(set.layers[0]!.spec.normalizeActivations).toBe("none");
    expect(set.layers[2]!.params).toBe(l2!.params);
  });

  it("places loaded transcoders by layer, named as Inspect names them; only a run's scale is folded", async () => {
    const one = { kind: "loaded" as const, loadIds: ["transcoder.L2"] };
    const set = await assembleSet(one, weights, sources(stored));
    expect(set.layers.map((t) => t?.source)).toEqual([
      undefined,
      undefined,
      "loaded transcoder.L2",
      undefined,
    ]);
    // A loaded file's expected_average_only_in has no known scale: refused, not read as none.
    const both = { kind: "loaded" as const, loadIds: ["transcoder.L2", "transcoder.L0"] };
    await expect(assembleSet(both, weights, sources(stored))).rejects.toThrow(
      "layer 0 transcoder (loaded transcoder.L0): normalize_activations is expected_average_only_in with no known scale to fold in",
    );
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
    await expect(
      assembleSet(
        { kind: "loaded", loadIds: ["transcoder.L2", "sae.L1"] },
        weights,
        sources([sae, ...stored]),
      ),
    ).rejects.toThrow("loaded sae.L1 is an SAE; a transcoder set holds transcoders");
    await expect(assembleSet({ kind: "run", runId: "r" }, weights, sources([sae]))).rejects.toThrow(
      "this run has no transcoders",
    );
  });
});
