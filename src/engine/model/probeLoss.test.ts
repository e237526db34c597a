import { describe, expect, it } from "vitest";
import { testDevice } from "../../node/testDevice.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { logSoftmaxRows, referenceForward } from "./gpt2Reference.ts";
import { GpuGpt2 } from "./gpuGpt2.ts";
import { probeLoss } from "./probeLoss.ts";
import { randomGpt2Weights, tinyConfig } from "./randomGpt2.ts";

describe("probeLoss", () => {
  it("is the mean next-token cross-entropy of the float64 reference forward", async () => {
    const { device } = await testDevice();
    const weights = randomGpt2Weights(tinyConfig(), 4);
    const V = weights.config.vocabSize;
    const tokens = Array.from({ length: 9 }, (_, i) => (i * 7 + 3) % V);
    const model = new GpuGpt2(device, loadNodeShaders(), weights, tokens.length);
    const got = await probeLoss(device, model, tokens);
    const logp = logSoftmaxRows(referenceForward(weights, tokens).logits, V);
    let want = 0;
    for (let t = 0; t < tokens.length - 1; t++) want -= logp[t * V + tokens[t + 1]!]!;
    want /= tokens.length - 1;
    expect(got.predicted).toBe(8);
    expect(got.loss).toBeCloseTo(want, 4);
    // Random weights predict little: near ln(V).
    expect(Math.abs(got.loss - Math.log(V))).toBeLessThan(1.5);
    model.destroy();
  });
});
