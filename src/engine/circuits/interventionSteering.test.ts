import { describe, expect, it } from "vitest";
import { loadModelFolder } from "../../node/modelFolder.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { referenceForward, type ReferenceHook } from "../model/gpt2Reference.ts";
import { encodeText } from "../text/tokenizer.ts";
import { steerFeature } from "./interventionSteering.ts";
import { randomTranscoderSet } from "./randomTranscoderSet.ts";

const weights = await loadModelFolder("builtin", { processing: true });
const d = weights.config.dModel;
const V = weights.config.vocabSize;
const transcoder = randomTranscoderSet(
  d,
  [undefined, { dSae: 24, activation: { kind: "relu" } }],
  4,
).layers[1]!;
const sae = {
  spec: {
    ...transcoder.spec,
    kind: "sae",
    hookName: "blocks.2.hook_resid_pre",
    hookNameOut: "blocks.2.hook_resid_pre",
  } satisfies DictionarySpec,
  params: transcoder.params,
};
const tokens = encodeText("It was a sunny day");
const T = tokens.length;

/** The plain reference forward's last-position logits with α·W_dec[f] added at `hook`. */
function referenceSteered(hook: string, feature: number, alpha: number): Float64Array {
  const add: ReferenceHook = (name, acts) => {
    if (name !== hook) return;
    for (let p = 0; p < T; p++) {
      for (let c = 0; c < d; c++) acts[p * d + c]! += alpha * sae.params.wDec[feature * d + c]!;
    }
  };
  return referenceForward(weights, tokens, add).logits.subarray((T - 1) * V, T * V);
}

describe("steering with one dictionary's feature", () => {
  it("adds α·W_dec[f] at an SAE's hook and a transcoder's output hook, at every position", () => {
    for (const [dictionary, hook] of [
      [sae, "blocks.2.hook_resid_pre"],
      [transcoder, "blocks.1.hook_mlp_out"],
    ] as const) {
      const got = steerFeature(weights, dictionary, 7, 6, tokens, { topK: 5, generate: 2 });
      expect(got.site).toBe(hook);
      const want = referenceSteered(hook, 7, 6);
      for (const t of got.after) expect(t.logit).toBeCloseTo(want[t.token]!, 9);
      expect(got.generated!.after[0]).toBe(got.after[0]!.token);
      expect(got.after.map((t) => t.token)).not.toEqual(got.before.map((t) => t.token));
    }
  });

  it("changes nothing with α = 0", () => {
    const got = steerFeature(weights, transcoder, 3, 0, tokens, { topK: 5, generate: 3 });
    expect(got.after).toEqual(got.before);
    expect(got.generated!.after).toEqual(got.generated!.before);
    expect(got.generated!.before).toHaveLength(3);
  });

  it("refuses a feature, an α or a count it cannot use, saying which", () => {
    expect(() => steerFeature(weights, sae, 24, 1, tokens)).toThrow(/feature 24 .*\(0\.\.23\)/);
    expect(() => steerFeature(weights, sae, 0, Infinity, tokens)).toThrow(/α must be a finite/);
    expect(() => steerFeature(weights, sae, 0, 1, tokens, { generate: -1 })).toThrow(/generate/);
    expect(() => steerFeature(weights, sae, 0, 1, [])).toThrow(/no tokens/);
  });
});
