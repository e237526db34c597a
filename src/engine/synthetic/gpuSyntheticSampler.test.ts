import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { GpuSyntheticSampler } from "./gpuSyntheticSampler.ts";
import { sampleReference } from "./sampleReference.ts";
import { buildSyntheticModel, type SyntheticModel } from "./syntheticModel.ts";
import { syntheticPreset } from "./syntheticPresets.ts";

const shaders = loadNodeShaders();
const BATCH = 48;

async function sampleOnGpu(model: SyntheticModel, steps: number[], streamSeed?: number) {
  const { device } = await testDevice();
  const sampler = GpuSyntheticSampler.create(device, shaders, model, { batch: BATCH, streamSeed });
  const results = [];
  for (const step of steps) {
    const encoder = device.createCommandEncoder();
    const out = sampler.encode(encoder, step);
    device.queue.submit([encoder.finish()]);
    results.push({
      acts: await readFloats(device, out.acts, BATCH * model.numFeatures),
      x: await readFloats(device, out.x, BATCH * model.hiddenDim),
      y: out.y && (await readFloats(device, out.y, BATCH * model.output!.dim)),
    });
  }
  sampler.destroy();
  return results;
}

/** Entries where GPU and reference disagree beyond float error. */
function mismatches(got: Float32Array, want: Float64Array, tolerance: number): number {
  let count = 0;
  for (let k = 0; k < want.length; k++) {
    if (!(Math.abs(got[k]! - want[k]!) <= tolerance * (1 + Math.abs(want[k]!)))) count++;
  }
  return count;
}

describe("GPU synthetic sampler", () => {
  // The tiny preset (hierarchy with scaling and exclusion, correlations), as a transcoder.
  const model = buildSyntheticModel(syntheticPreset("tiny"), { outputDim: 24 });

  it("draws the reference sampler's activations, x and y", async () => {
    const [gpu] = await sampleOnGpu(model, [7]);
    const ref = sampleReference(model, BATCH, 7);
    let fired = 0;
    for (const v of ref.acts) if (v > 0) fired++;
    expect(fired / BATCH).toBeGreaterThan(2);
    // A copula draw within float error of its threshold may flip; none do at this seed.
    expect(mismatches(gpu!.acts, ref.acts, 1e-5)).toBe(0);
    expect(mismatches(gpu!.x, ref.x, 1e-4)).toBe(0);
    expect(gpu!.y).not.toBeNull();
    expect(mismatches(gpu!.y!, ref.y!, 1e-4)).toBe(0);
  });

  it("draws the reference's independent (uncorrelated) firing too", async () => {
    const config = { ...syntheticPreset("tiny"), correlation: null, hierarchy: null };
    const plain = buildSyntheticModel(config);
    const [gpu] = await sampleOnGpu(plain, [3], 99);
    const ref = sampleReference(plain, BATCH, 3, 99);
    expect(mismatches(gpu!.acts, ref.acts, 1e-5)).toBe(0);
    expect(mismatches(gpu!.x, ref.x, 1e-4)).toBe(0);
  });

  it("lists every feature of a lane when nearly all fire, on a count not a multiple of 64", async () => {
    // 150 features make 3 lanes of 50; p = 0.9 fills them, and the copula's threshold sits far
    // below the radius bound, so every angle is drawn.
    const config = {
      ...syntheticPreset("tiny"),
      num_features: 150,
      hierarchy: null,
      firing_probability: { generator_name: "constant" as const, probability: 0.9 },
    };
    const dense = buildSyntheticModel(config);
    const [gpu] = await sampleOnGpu(dense, [2]);
    const ref = sampleReference(dense, BATCH, 2);
    let fired = 0;
    for (const v of ref.acts) if (v > 0) fired++;
    expect(fired / BATCH).toBeGreaterThan(120);
    expect(mismatches(gpu!.acts, ref.acts, 1e-5)).toBe(0);
    expect(mismatches(gpu!.x, ref.x, 1e-4)).toBe(0);
  });

  it("repeats a step exactly and draws a new batch for a new step", async () => {
    const [a, b, c] = await sampleOnGpu(model, [5, 6, 5]);
    expect(Array.from(c!.x)).toEqual(Array.from(a!.x));
    expect(mismatches(b!.x, Float64Array.from(a!.x), 1e-3)).toBeGreaterThan(BATCH * 16);
  });

  it("refuses a batch past the dispatch limit", async () => {
    const { device } = await testDevice();
    expect(() => GpuSyntheticSampler.create(device, shaders, model, { batch: 70_000 })).toThrow(
      /batch 70000 must be an integer in 1\.\.65535/,
    );
  });
});
