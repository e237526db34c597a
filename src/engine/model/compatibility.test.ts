import { describe, expect, it } from "vitest";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { dictionaryMismatch } from "./compatibility.ts";
import { tinyConfig } from "./randomGpt2.ts";

const model = tinyConfig({ dModel: 128, nLayer: 4 });
const transcoder: DictionarySpec = {
  kind: "transcoder",
  dIn: 768,
  dSae: 24576,
  dOut: 768,
  applyBDecToInput: false,
  hookName: "blocks.8.ln2.hook_normalized",
  hookNameOut: "blocks.8.hook_mlp_out",
  modelName: "gpt2",
  normalizeActivations: "none",
};

describe("dictionaryMismatch", () => {
  it("says what the dictionary expects and what the model is", () => {
    expect(dictionaryMismatch(transcoder, model, "gpt2-brown")).toBe(
      "this transcoder reads blocks.8.ln2.hook_normalized → blocks.8.hook_mlp_out, but the loaded model is gpt2-brown, width 128, 4 layers (blocks 0..3)",
    );
    const layer2 = {
      ...transcoder,
      hookName: "blocks.2.ln2.hook_normalized",
      hookNameOut: "blocks.2.hook_mlp_out",
    };
    expect(dictionaryMismatch(layer2, model, "gpt2-brown")).toBe(
      "this transcoder reads blocks.2.ln2.hook_normalized → blocks.2.hook_mlp_out of a width-768 model; the loaded model is gpt2-brown, width 128, 4 layers",
    );
    expect(
      dictionaryMismatch({ ...layer2, dIn: 128, dOut: 128 }, model, "gpt2-brown"),
    ).toBeUndefined();
  });

  it("refuses other model families and hooks the model does not run", () => {
    expect(
      dictionaryMismatch({ ...transcoder, modelName: "google/gemma-2-2b" }, model, "m"),
    ).toMatch(
      /^this transcoder was made for google\/gemma-2-2b, another model family; .*cannot run here$/,
    );
    const z = {
      ...transcoder,
      kind: "sae" as const,
      hookName: "blocks.1.attn.hook_z",
      hookNameOut: "blocks.1.attn.hook_z",
    };
    expect(dictionaryMismatch(z, model, "m")).toMatch(
      /^this SAE reads blocks\.1\.attn\.hook_z, which is not a hook this playground runs/,
    );
  });
});
