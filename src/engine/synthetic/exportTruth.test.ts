import { describe, expect, it } from "vitest";
import { bytesByteSource } from "../formats/byteSource.ts";
import { openSafetensors } from "../formats/safetensors.ts";
import { TRUTH_FILES, truthFiles } from "./exportTruth.ts";
import { sampleReference } from "./sampleReference.ts";
import { parseSyntheticModelConfig } from "./syntheticConfig.ts";
import { buildSyntheticModel } from "./syntheticModel.ts";
import { syntheticPreset } from "./syntheticPresets.ts";

describe("ground-truth export", () => {
  const model = buildSyntheticModel(syntheticPreset("tiny"), { outputDim: 16 });
  const samples = sampleReference(model, 8, 0);
  const files = truthFiles(model, { count: 8, acts: samples.acts, x: samples.x, y: samples.y });
  const open = (name: string) => openSafetensors(bytesByteSource(files.get(name)!, name));

  it("writes SAELens's files: config, model tensors and hierarchy", async () => {
    expect([...files.keys()].sort()).toEqual(Object.values(TRUTH_FILES).sort());
    const config = JSON.parse(new TextDecoder().decode(files.get(TRUTH_FILES.config)));
    expect(parseSyntheticModelConfig(config)).toEqual(model.config);
    const st = await open(TRUTH_FILES.model);
    expect([...st.tensors.keys()]).toEqual([
      "feature_vectors",
      "bias",
      "firing_probabilities",
      "correlation_factor",
      "correlation_diag",
    ]);
    expect(await st.readF32("feature_vectors")).toEqual(model.input.vectors);
    expect(st.expectShape("correlation_factor", [384, 8], "[N, rank]")).toEqual([384, 8]);
    const probs = await st.readF32("firing_probabilities");
    expect(probs[100]).toBe(Math.fround(model.firingProbabilities[100]!));
    const hierarchy = JSON.parse(new TextDecoder().decode(files.get(TRUTH_FILES.hierarchy)));
    expect(hierarchy.roots).toHaveLength(3);
    const root = hierarchy.roots[0];
    expect(root).toMatchObject({
      feature_index: 0,
      mutually_exclusive_children: true,
      scale_children_by_parent: true,
    });
    expect(root.children.map((c: { feature_index: number }) => c.feature_index)).toEqual([
      3, 4, 5, 6,
    ]);
  });

  it("writes magnitudes, the tree tables, the output vectors and samples", async () => {
    const truth = await open(TRUTH_FILES.truth);
    expect(Array.from(await truth.readF32("mean_firing_magnitudes"))).toEqual(
      Array.from(model.meanMagnitudes, Math.fround),
    );
    const parent = await truth.readI32("parent");
    expect(Array.from(parent.subarray(0, 8))).toEqual([-1, -1, -1, 0, 0, 0, 0, 1]);
    expect(parent[383]).toBe(-1);
    expect(await truth.readF32("output_feature_vectors")).toEqual(model.output!.vectors);
    const s = await open(TRUTH_FILES.samples);
    expect(s.expectShape("feature_activations", [8, 384], "[S, N]")).toEqual([8, 384]);
    expect(Array.from(await s.readF32("output_activations"))).toEqual(
      Array.from(samples.y!, Math.fround),
    );
  });
});
