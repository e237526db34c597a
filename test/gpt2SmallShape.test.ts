/**
 * A checkpoint with GPT-2 small's widths (one block): its wte (50257 x 768 f32 = 147 MiB) is over
 * WebGPU's default 128 MiB binding limit. It loads where the adapter allows more, and a device
 * with default limits refuses it with the numbers.
 */
import { describe, expect, it } from "vitest";
import { bytesByteSource } from "../src/engine/formats/byteSource.ts";
import { readFloats } from "../src/engine/gpu/readBuffer.ts";
import { referenceForward } from "../src/engine/model/gpt2Reference.ts";
import { GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { hfCheckpointBytes, hfConfigJson } from "../src/engine/model/hfCheckpoint.ts";
import { loadGpt2 } from "../src/engine/model/loadGpt2.ts";
import { randomGpt2Weights } from "../src/engine/model/randomGpt2.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";

const config = {
  vocabSize: 50257,
  nCtx: 1024,
  dModel: 768,
  nLayer: 1,
  nHead: 12,
  dHead: 64,
  dMlp: 3072,
  lnEps: 1e-5,
  activation: "gelu_new" as const,
};

describe("a GPT-2 small-width checkpoint", async () => {
  const bytes = hfCheckpointBytes(randomGpt2Weights(config, 1), {
    dtype: "F16",
    prefix: "transformer.",
  });
  const weights = await loadGpt2(
    { name: "config.json", text: hfConfigJson(config) },
    bytesByteSource(bytes, "gpt2-small-1-layer/model.safetensors"),
    { processing: true },
  );
  const shaders = loadNodeShaders();

  it("runs on a device that asked for the adapter's larger binding limit", async () => {
    const { device } = await testDevice();
    expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThan(config.vocabSize * 768 * 4);
    const tokens = [464, 2068, 7586, 21831, 50256];
    const model = new GpuGpt2(device, shaders, weights, tokens.length);
    const logits = model.createLogitsBuffer();
    model.setTokens(tokens);
    const encoder = device.createCommandEncoder();
    model.encodeForward(encoder, { nSeq: 1, seqLen: tokens.length, logits });
    device.queue.submit([encoder.finish()]);
    const got = await readFloats(device, logits, tokens.length * model.vocabPadded);
    const want = referenceForward(weights, tokens).logits;
    let worst = 0;
    for (let t = 0; t < tokens.length; t++) {
      for (let v = 0; v < config.vocabSize; v++) {
        const diff = Math.abs(got[t * model.vocabPadded + v]! - want[t * config.vocabSize + v]!);
        worst = Math.max(worst, diff);
      }
    }
    expect(worst).toBeLessThan(1e-3);
    logits.destroy();
    model.destroy();
  }, 120_000);

  it("is refused with the tensor and the limits on a device with default limits", async () => {
    const { device } = await acquireNodeDevice({ raiseLimits: false });
    expect(device.limits.maxStorageBufferBindingSize).toBe(128 * 2 ** 20);
    expect(() => new GpuGpt2(device, shaders, weights, 8)).toThrow(
      "this GPU cannot hold the model: wte needs 147.2 MiB in one buffer but the adapter allows " +
        "128.0 MiB (maxStorageBufferBindingSize)",
    );
    device.destroy();
  });
});
