import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { referenceForward } from "./gpt2Reference.ts";
import { captureHook, GpuGpt2, zeroHook, type HookHandler } from "./gpuGpt2.ts";
import { allHookNames } from "./hooks.ts";
import { processWeights } from "./processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "./randomGpt2.ts";
import { createBuffer } from "../gpu/kernel.ts";
import type { Gpt2Weights } from "./gpt2Weights.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig();
const raw = randomGpt2Weights(cfg, 11);
const sequences = [
  [3, 36, 0, 12, 12, 5, 30],
  [1, 2, 3, 4, 5, 6, 7],
];
const T = 7;

/** Runs the GPU forward over `sequences` and returns every hook and the logits, per sequence. */
async function gpuRun(weights: Gpt2Weights, extra: HookHandler[] = []) {
  const { device } = await testDevice();
  const model = new GpuGpt2(device, shaders, weights, 16);
  const names = allHookNames(weights.config.nLayer);
  const rows = sequences.length * T;
  const d = weights.config.dModel;
  const captured = createBuffer(device, "captured", names.length * rows * d * 4);
  const logits = model.createLogitsBuffer();
  model.setTokens(sequences.flat());
  const encoder = device.createCommandEncoder();
  const handlers: HookHandler[] = [];
  names.forEach((name, i) => {
    handlers.push(...extra.filter((h) => h.hook === name));
    handlers.push(captureHook(name, captured, i * rows * d * 4));
  });
  model.encodeForward(encoder, { nSeq: sequences.length, seqLen: T, handlers, logits });
  device.queue.submit([encoder.finish()]);
  const hooks = await readFloats(device, captured, names.length * rows * d);
  const l = await readFloats(device, logits, rows * model.vocabPadded);
  model.destroy();
  captured.destroy();
  logits.destroy();
  return { names, hooks, logits: l, rows, vocabPadded: model.vocabPadded };
}

function compare(weights: Gpt2Weights, got: Awaited<ReturnType<typeof gpuRun>>, zeroed?: string) {
  const d = weights.config.dModel;
  const V = weights.config.vocabSize;
  let worstHook = 0;
  let worstLogit = 0;
  sequences.forEach((seq, s) => {
    const ref = referenceForward(weights, seq, (name, a) => {
      if (name === zeroed) a.fill(0);
    });
    got.names.forEach((name, i) => {
      const want = ref.hooks.get(name)!;
      for (let j = 0; j < T * d; j++) {
        const g = got.hooks[i * got.rows * d + s * T * d + j] as number;
        worstHook = Math.max(worstHook, Math.abs(g - (want[j] as number)));
      }
    });
    for (let p = 0; p < T; p++) {
      for (let v = 0; v < V; v++) {
        const g = got.logits[(s * T + p) * got.vocabPadded + v] as number;
        worstLogit = Math.max(worstLogit, Math.abs(g - (ref.logits[p * V + v] as number)));
      }
    }
  });
  return { worstHook, worstLogit };
}

describe("GpuGpt2 forward", () => {
  it("matches the float64 reference at every hook and logit (raw weights)", async () => {
    const got = await gpuRun(raw);
    const { worstHook, worstLogit } = compare(raw, got);
    expect(worstHook).toBeLessThan(1e-4);
    expect(worstLogit).toBeLessThan(1e-4);
  });

  it("matches the float64 reference with TransformerLens processing", async () => {
    const processed = processWeights(raw);
    const got = await gpuRun(processed);
    const { worstHook, worstLogit } = compare(processed, got);
    expect(worstHook).toBeLessThan(1e-4);
    expect(worstLogit).toBeLessThan(1e-4);
  });

  it("lets a hook replace activations for the layers after it (zero-ablated MLP 0)", async () => {
    const hook = "blocks.0.hook_mlp_out";
    const got = await gpuRun(raw, [zeroHook(hook)]);
    const ablated = compare(raw, got, hook);
    expect(ablated.worstHook).toBeLessThan(1e-4);
    expect(ablated.worstLogit).toBeLessThan(1e-4);
    // Against the clean reference the ablation is visible downstream.
    expect(compare(raw, got).worstLogit).toBeGreaterThan(1e-2);
  });

  for (const activation of ["gelu", "relu"] as const) {
    it(`matches the reference with a ${activation} MLP`, async () => {
      const weights = randomGpt2Weights(tinyConfig({ activation }), 11);
      const got = await gpuRun(weights);
      const { worstHook, worstLogit } = compare(weights, got);
      expect(worstHook).toBeLessThan(1e-4);
      expect(worstLogit).toBeLessThan(1e-4);
      // The activation matters: against the gelu_new model the outputs differ.
      expect(compare(raw, got).worstLogit).toBeGreaterThan(1e-3);
    });
  }

  it("handles heads whose width is not a multiple of 4", async () => {
    const weights = randomGpt2Weights(tinyConfig({ dModel: 12, nHead: 2, dHead: 6, dMlp: 48 }), 4);
    const got = await gpuRun(weights);
    const { worstHook, worstLogit } = compare(weights, got);
    expect(worstHook).toBeLessThan(1e-4);
    expect(worstLogit).toBeLessThan(1e-4);
  });

  it("refuses token ids outside the vocabulary", async () => {
    const { device } = await testDevice();
    const model = new GpuGpt2(device, shaders, raw, 8);
    expect(() => model.setTokens([1, 37])).toThrow(/token id 37 at position 1 .*\[0, 37\)/);
    model.destroy();
  });
});
