import { describe, expect, it } from "vitest";
import { unzipSync } from "fflate";
import { initDictionary } from "../dictionary/init.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { readSaelensZip, saelensZip } from "./saelensZip.ts";

const transcoder: DictionarySpec = {
  kind: "transcoder",
  dIn: 8,
  dSae: 12,
  dOut: 8,
  applyBDecToInput: false,
  hookName: "blocks.1.ln2.hook_normalized",
  hookNameOut: "blocks.1.hook_mlp_out",
  modelName: "gpt2-brown (built-in)",
  normalizeActivations: "none",
  contextSize: 128,
  prependBos: false,
  excludeSpecialTokens: true,
};
const sae: DictionarySpec = {
  ...transcoder,
  kind: "sae",
  applyBDecToInput: true,
  hookNameOut: "blocks.1.ln2.hook_normalized",
};

describe("saelensZip", () => {
  it("zips one SAELens folder per dictionary that reads back to the same weights", async () => {
    const dicts = [
      { folder: "sae", spec: sae, params: initDictionary(sae, 1) },
      {
        folder: "transcoder",
        spec: transcoder,
        params: initDictionary(transcoder, 2),
        sparsity: Float32Array.from({ length: 12 }, (_, i) => -i / 3),
      },
    ];
    dicts[1]!.params.bDec[3] = 0.25;
    const zip = saelensZip(dicts);
    expect(Object.keys(unzipSync(zip)).sort()).toEqual([
      "sae/cfg.json",
      "sae/sae_weights.safetensors",
      "transcoder/cfg.json",
      "transcoder/sae_weights.safetensors",
      "transcoder/sparsity.safetensors",
    ]);
    const back = await readSaelensZip(zip);
    expect(back.map((b) => b.folder).sort()).toEqual(["sae", "transcoder"]);
    for (const d of dicts) {
      const b = back.find((x) => x.folder === d.folder)!;
      expect(b.spec).toEqual(d.spec);
      expect(b.params).toEqual(d.params);
    }
  });

  it("writes each dictionary's metrics.jsonl, eval.json and seed as `npm run train` does", () => {
    const logged = [
      { step: 5, mse_loss: 0.5, l1_loss: 0.1, loss: 0.6, l0: 12.5, explained_variance: 0.25 },
      { step: 10, mse_loss: 0.25, l1_loss: 0.1, loss: 0.35, l0: 9, explained_variance: 0.5 },
    ].map((m) => ({
      ...m,
      fvu: 1 - m.explained_variance,
      dead_features: 0,
      grad_norm: 1,
      lr: 0.003,
      l1_coefficient: 0.3,
      feature_density_log10: [-1, -2],
    }));
    const zip = saelensZip([
      {
        folder: "run-3_transcoder_blocks.1.mlp_12",
        spec: transcoder,
        params: initDictionary(transcoder, 2),
        metadata: { seed: 3024271455 },
        metrics: logged,
        evaluation: { ce_loss_score: 0.75 },
      },
    ]);
    const files = unzipSync(zip);
    const text = (name: string) =>
      new TextDecoder().decode(files[`run-3_transcoder_blocks.1.mlp_12/${name}`]);
    const lines = text("metrics.jsonl")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    // The fields startMetricsLog writes: every logged scalar, not the density histogram.
    const { feature_density_log10: _density, ...scalars } = logged[1]!;
    expect(lines[1]).toEqual(scalars);
    expect(JSON.parse(text("eval.json"))).toEqual({ ce_loss_score: 0.75 });
    expect(JSON.parse(text("cfg.json")).metadata.seed).toBe(3024271455);
  });
});
