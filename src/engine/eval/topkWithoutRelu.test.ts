/**
 * A TopK without the final ReLU (OpenAI's postact_fn Identity): the GPU keeps the k largest
 * pre-activations as they are, negative ones too, as the float64 reference does.
 */
import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { GpuDictionaryApply } from "./gpuDictionaryApply.ts";

const ROWS = 7;

const uniform = (rand: () => number, n: number, lo: number, hi: number) =>
  Float32Array.from({ length: n }, () => lo + rand() * (hi - lo));

describe("GPU TopK without ReLU", () => {
  it("keeps negative top-k values as the reference does, LayerNorm input", async () => {
    const spec: DictionarySpec = {
      kind: "sae",
      dIn: 8,
      dSae: 12,
      dOut: 8,
      applyBDecToInput: true,
      hookName: "h",
      hookNameOut: "h",
      modelName: "test",
      normalizeActivations: "layer_norm",
      activation: { kind: "topk", k: 4, relu: false },
    };
    const rand = seededRandom(41);
    // b_enc well below 0: most rows' 4th largest pre-activation is negative.
    const params: DictionaryParams = {
      wEnc: uniform(rand, 8 * 12, -0.4, 0.4),
      bEnc: uniform(rand, 12, -2, -0.5),
      wDec: uniform(rand, 12 * 8, -1, 1),
      bDec: uniform(rand, 8, -0.3, 0.3),
    };
    const x = uniform(rand, ROWS * 8, -2, 2);

    const { device } = await testDevice();
    const apply = new GpuDictionaryApply(
      device,
      new LinearKernels(device, loadNodeShaders()),
      spec,
      params,
      ROWS,
    );
    const input = createBuffer(device, "input", x.byteLength);
    device.queue.writeBuffer(input, 0, x);
    const encoder = device.createCommandEncoder();
    apply.encodeApply(encoder, input, ROWS);
    device.queue.submit([encoder.finish()]);
    const output = await readFloats(device, apply.output, ROWS * 8);
    const latents = await apply.readLatents(ROWS);
    input.destroy();
    apply.destroy();

    const want = inferenceReference(spec, params, x, ROWS);
    const withRelu = inferenceReference(
      { ...spec, activation: { kind: "topk", k: 4 } },
      params,
      x,
      ROWS,
    );
    // The case is one where the ReLU matters: negative latents, different outputs.
    expect(want.latents.filter((v) => v < 0).length).toBeGreaterThan(ROWS);
    const reluGap = Math.max(...want.output.map((v, i) => Math.abs(v - withRelu.output[i]!)));
    expect(reluGap).toBeGreaterThan(0.1);

    for (let r = 0; r < ROWS; r++) {
      const row = want.latents.subarray(r * 12, (r + 1) * 12);
      expect(row.filter((v) => v !== 0).length, `row ${r} keeps k`).toBe(4);
    }
    latents.forEach((v, i) =>
      expect(Math.abs(v - want.latents[i]!), `latent ${i}`).toBeLessThan(1e-5),
    );
    output.forEach((v, i) =>
      expect(Math.abs(v - want.output[i]!), `output ${i}`).toBeLessThan(1e-4),
    );
  });
});
