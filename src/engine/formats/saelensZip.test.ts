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
});
