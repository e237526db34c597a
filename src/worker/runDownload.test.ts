import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { initDictionary } from "../engine/dictionary/init.ts";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { readSaelensZip } from "../engine/formats/saelensZip.ts";
import { saelensZip } from "../engine/formats/saelensZip.ts";
import { TOPK_TRANSCODER_NOTE } from "../engine/formats/saelensCfg.ts";
import { architectureOf, plansOf } from "./streamRun.ts";
import { GPU_DEFAULTS } from "../ui/state/defaults.ts";

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

describe("a run's Download (saelensZip)", () => {
  it("writes a TopK transcoder as topk_transcoder with a note, and reads it back", async () => {
    const spec: DictionarySpec = { ...transcoder, activation: { kind: "topk", k: 3 } };
    const zip = saelensZip([{ folder: "transcoder", spec, params: initDictionary(spec, 1) }]);
    const cfg = JSON.parse(new TextDecoder().decode(unzipSync(zip)["transcoder/cfg.json"]));
    expect(cfg.architecture).toBe("topk_transcoder");
    expect(cfg.metadata.note).toBe(TOPK_TRANSCODER_NOTE);
    const [back] = await readSaelensZip(zip);
    expect(back!.spec.kind).toBe("transcoder");
    expect(back!.spec.activation).toEqual({ kind: "topk", k: 3 });
  });

  it("writes a standard transcoder as SAELens's transcoder", () => {
    const zip = saelensZip([
      { folder: "transcoder", spec: transcoder, params: initDictionary(transcoder, 1) },
    ]);
    const cfg = JSON.parse(new TextDecoder().decode(unzipSync(zip)["transcoder/cfg.json"]));
    expect(cfg.architecture).toBe("transcoder");
  });
});

describe("plansOf", () => {
  it("leaves a standard dictionary as before and passes the others' options and skip", () => {
    // The pair as standard ReLU + L1 (the defaults are a TopK pair).
    const [sae, tc] = GPU_DEFAULTS.dictionaries.map(({ architecture: _a, k: _k, ...d }) => d) as [
      (typeof GPU_DEFAULTS.dictionaries)[0],
      (typeof GPU_DEFAULTS.dictionaries)[0],
    ];
    const plans = plansOf({
      ...GPU_DEFAULTS,
      dictionaries: [sae, { ...tc, architecture: "topk", k: 16, l0Coefficient: 5, skip: true }],
    });
    expect(plans[0]!.architecture).toBeUndefined();
    expect(plans[0]!.skip).toBeUndefined();
    expect(plans[1]!.architecture).toMatchObject({ architecture: "topk", k: 16, l0Coefficient: 1 });
    expect(plans[1]!.skip).toBe(true);
    expect(architectureOf({ ...tc, architecture: "jumprelu", l0Coefficient: 0.01 })).toMatchObject({
      architecture: "jumprelu",
      l0Coefficient: 0.01,
      k: 100,
    });
    // A skip on an SAE is ignored.
    expect(plansOf({ ...GPU_DEFAULTS, dictionaries: [{ ...sae, skip: true }] })[0]!.skip).toBe(
      undefined,
    );
  });
});
