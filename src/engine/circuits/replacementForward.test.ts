import { describe, expect, it } from "vitest";
import { referenceForward } from "../model/gpt2Reference.ts";
import { hookName } from "../model/hooks.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { EVERY_ARCHITECTURE, randomTranscoderSet } from "./randomTranscoderSet.ts";
import { replacementForward } from "./replacementForward.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

const config = tinyConfig({ nLayer: 4 });
const weights = processWeights(randomGpt2Weights(config, 3));
const tokens = [0, 5, 12, 3, 30, 7];
const P = tokens.length;
const d = config.dModel;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("replacementForward", () => {
  const set = randomTranscoderSet(d, EVERY_ARCHITECTURE, 1);
  const forward = replacementForward(weights, set, tokens);
  const truth = referenceForward(weights, tokens);

  it("splits every true MLP output into Σ a W_dec + b_dec + skip + e exactly", () => {
    set.layers.forEach((t, l) => {
      const cap = forward.layers[l]!;
      const y = truth.hooks.get(hookName(l, "hook_mlp_out"))!;
      const x = truth.hooks.get(hookName(l, "ln2.hook_normalized"))!;
      const independent = inferenceReference(t!.spec, t!.params, x, P);
      expect(maxAbsDiff(cap.acts, independent.latents), `layer ${l} latents`).toBeLessThan(1e-12);
      const sum = independent.output.map((v, i) => v + cap.error[i]!);
      expect(maxAbsDiff(sum, y), `layer ${l}`).toBeLessThan(1e-9);
      const active = cap.acts.filter((a) => a !== 0).length;
      expect(active, `layer ${l} has active latents`).toBeGreaterThan(P);
      expect(maxAbsDiff(cap.error, new Float64Array(P * d)), `layer ${l} error`).toBeGreaterThan(
        0.01,
      );
    });
  });

  it("keeps pre-activations whose activation is the latents", () => {
    // TopK without ReLU keeps negative pre-activations; JumpReLU zeroes those under θ.
    const topk = forward.layers[1]!;
    const kept = Array.from(topk.acts).filter((a, i) => a !== 0 && a === topk.pre[i]);
    expect(kept.length).toBe(12 * P);
    expect(kept.some((a) => a < 0)).toBe(true);
    const jump = forward.layers[2]!;
    const theta = set.layers[2]!.params.threshold!;
    jump.acts.forEach((a, i) => {
      const h = jump.pre[i]!;
      expect(a).toBe(h > theta[i % 28]! ? h : 0);
    });
  });

  it("freezes patterns that are causal and sum to 1, and LayerNorm scales of the true stream", () => {
    const { model } = forward;
    for (const layer of model.layers) {
      for (let h = 0; h < config.nHead; h++) {
        for (let p = 0; p < P; p++) {
          const row = layer.pattern.subarray((h * P + p) * P, (h * P + p + 1) * P);
          expect(row.slice(0, p + 1).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
          expect(Array.from(row.slice(p + 1))).toEqual(new Array(P - p - 1).fill(0));
        }
      }
    }
    const mid = truth.hooks.get(hookName(2, "hook_resid_mid"))!;
    const n2 = truth.hooks.get(hookName(2, "ln2.hook_normalized"))!;
    for (let p = 0; p < P; p++) {
      const mean = mid.slice(p * d, (p + 1) * d).reduce((s, v) => s + v, 0) / d;
      const c = 3;
      expect((mid[p * d + c]! - mean) / model.layers[2]!.ln2Scale[p]!).toBeCloseTo(
        n2[p * d + c]!,
        12,
      );
    }
    expect(model.layers.map((l) => l.wSkip !== undefined)).toEqual([false, false, true, true]);
  });

  it("returns the last position's logits", () => {
    const V = config.vocabSize;
    expect(maxAbsDiff(forward.logits, truth.logits.slice((P - 1) * V))).toBe(0);
  });

  it("makes a layer without a transcoder one error per position: its whole MLP output", () => {
    const partial: TranscoderSet = { ...set, layers: [set.layers[0], undefined, set.layers[2]] };
    const f = replacementForward(weights, partial, tokens);
    expect(f.layers[1]!.dSae).toBe(0);
    expect(maxAbsDiff(f.layers[1]!.error, truth.hooks.get(hookName(1, "hook_mlp_out"))!)).toBe(0);
    expect(f.layers[3]!.dSae).toBe(0);
    expect(f.model.layers[2]!.wSkip).toBeDefined();
  });
});

describe("replacementForward refuses", () => {
  const set = randomTranscoderSet(d, EVERY_ARCHITECTURE, 1);
  const withLayer = (l: number, change: (t: NonNullable<TranscoderSet["layers"][0]>) => void) => {
    const copy = structuredClone(set);
    change(copy.layers[l]!);
    return copy;
  };
  const cases: [string, TranscoderSet, RegExp][] = [
    [
      "a transcoder at another layer's site",
      withLayer(1, (t) => (t.spec.hookName = "blocks.2.ln2.hook_normalized")),
      /^layer 1 transcoder \(random layer 1\): reads blocks\.2\.ln2\.hook_normalized; a layer-1 transcoder must read blocks\.1\.ln2\.hook_normalized$/,
    ],
    [
      "a transcoder writing elsewhere",
      withLayer(0, (t) => (t.spec.hookNameOut = "blocks.0.hook_resid_post")),
      /layer 0 .* writes blocks\.0\.hook_resid_post; .* must write blocks\.0\.hook_mlp_out/,
    ],
    [
      "a width that does not fit",
      withLayer(2, (t) => (t.spec.dIn = 32)),
      /layer 2 .* maps d_in 32 to d_out 16; the model's d_model is 16/,
    ],
    [
      "an SAE",
      withLayer(3, (t) => (t.spec.kind = "sae")),
      /layer 3 .* is an sae, not a transcoder/,
    ],
    [
      "an unknown input scale",
      withLayer(0, (t) => (t.spec.normalizeActivations = "expected_average_only_in")),
      /expected_average_only_in with no known scale/,
    ],
    [
      "a W_dec of the wrong size",
      withLayer(0, (t) => (t.params.wDec = new Float32Array(7))),
      /layer 0 .* W_dec has 7 values; expected 384/,
    ],
    [
      "a skip transcoder without W_skip",
      withLayer(2, (t) => delete t.params.wSkip),
      /layer 2 .* W_skip is missing/,
    ],
    [
      "more layers than the model",
      { ...set, layers: [...set.layers, set.layers[0]] },
      /the transcoder set has 5 layers; the model has 4/,
    ],
  ];
  it.each(cases)("%s", (_, bad, message) => {
    expect(() => replacementForward(weights, bad, tokens)).toThrow(message);
  });

  it("an empty prompt, one past the context, or a token outside the vocabulary", () => {
    expect(() => replacementForward(weights, set, [])).toThrow("the prompt has no tokens");
    expect(() => replacementForward(weights, set, new Array(10).fill(1))).toThrow(
      "the prompt has 10 tokens; the model's context is 9",
    );
    expect(() => replacementForward(weights, set, [0, 37])).toThrow(
      "token 37 at position 1 is outside the vocabulary (37)",
    );
  });
});
