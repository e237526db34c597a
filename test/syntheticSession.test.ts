/** Training on a synthetic model: the batches the dictionaries see, checkpoints, a short run. */
import { describe, expect, it } from "vitest";
import { readFloats } from "../src/engine/gpu/readBuffer.ts";
import { SyntheticGroundTruth } from "../src/engine/stream/syntheticGroundTruth.ts";
import { expandSyntheticRun } from "../src/engine/stream/syntheticMembers.ts";
import {
  SyntheticStreamSession,
  type SyntheticDictionaryPlan,
} from "../src/engine/stream/syntheticSession.ts";
import { GpuSyntheticSampler } from "../src/engine/synthetic/gpuSyntheticSampler.ts";
import { buildSyntheticModel } from "../src/engine/synthetic/syntheticModel.ts";
import { syntheticPreset } from "../src/engine/synthetic/syntheticPresets.ts";
import { architectureOptions, type ArchitectureName } from "../src/engine/train/architecture.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";

const shaders = loadNodeShaders();
// The tiny preset (384 features in 32 dimensions: trees, exclusion, correlations), as a transcoder.
const model = buildSyntheticModel(syntheticPreset("tiny"), { outputDim: 32 });

function plan(
  id: string,
  kind: "sae" | "transcoder",
  architecture: ArchitectureName,
  steps: number,
  options: { k?: number; lr?: number } = {},
): SyntheticDictionaryPlan {
  return {
    id,
    kind,
    dSae: 64,
    seed: 11,
    normalize: "none",
    applyBDecToInput: true,
    schedule: {
      totalSteps: steps,
      lr: options.lr ?? 1e-3,
      lrWarmUpSteps: 0,
      lrDecaySteps: 0,
      l1Coefficient: 1,
      l1WarmUpSteps: 0,
    },
    deadFeatureWindow: 1000,
    featureSamplingWindow: 0,
    architecture: architectureOptions({ architecture, k: options.k ?? 4 }),
  };
}

describe("SyntheticStreamSession", () => {
  it("feeds every dictionary the sampler's batch, bit for bit: x to both, y to the transcoder", async () => {
    const { device } = await testDevice();
    const batch = 32;
    const plans = [plan("sae", "sae", "topk", 5), plan("transcoder", "transcoder", "topk", 5)];
    const session = await SyntheticStreamSession.create(device, shaders, model, plans, {
      batchSize: batch,
      logEvery: 100,
      sourceName: "synthetic:tiny",
    });
    const sampler = GpuSyntheticSampler.create(device, shaders, model, { batch });
    try {
      for (const step of [0, 1]) {
        await session.step();
        const encoder = device.createCommandEncoder();
        const want = sampler.encode(encoder, step);
        device.queue.submit([encoder.finish()]);
        const x = await readFloats(device, want.x, batch * 32);
        const y = await readFloats(device, want.y!, batch * 32);
        const [sae, transcoder] = session.dictionaries.map((d) => d.trainer.gpu);
        expect(await readFloats(device, sae!.batchInput, batch * 32)).toEqual(x);
        expect(await readFloats(device, transcoder!.batchInput, batch * 32)).toEqual(x);
        expect(await readFloats(device, transcoder!.batchTarget, batch * 32)).toEqual(y);
        expect(x.some((v, i) => v !== y[i])).toBe(true);
      }
      expect(session.batchesServed).toBe(2);
      const [sae, transcoder] = session.dictionaries.map((d) => d.spec);
      expect([sae!.hookName, sae!.hookNameOut, sae!.dIn, sae!.dOut]).toEqual([
        "hidden_activations",
        "hidden_activations",
        32,
        32,
      ]);
      expect([transcoder!.hookNameOut, transcoder!.modelName]).toEqual([
        "output_activations",
        "synthetic:tiny",
      ]);
    } finally {
      sampler.destroy();
      session.destroy();
    }
  });

  it("resumes a checkpoint without replaying: the next step is the uninterrupted run's", async () => {
    const { device } = await testDevice();
    const options = { batchSize: 32, logEvery: 1, sourceName: "synthetic:tiny" };
    const plans = [plan("sae", "sae", "batchtopk", 3)];
    const whole = await SyntheticStreamSession.create(device, shaders, model, plans, options);
    const resumed = await SyntheticStreamSession.create(device, shaders, model, plans, options);
    try {
      await whole.step();
      await whole.step();
      const checkpoint = await whole.checkpoint();
      const [want] = await whole.step();
      await resumed.restore(checkpoint);
      expect(resumed.batchesServed).toBe(2);
      const [got] = await resumed.step();
      expect(got!.metrics.step).toBe(3);
      expect(got!.metrics.mse_loss).toBe(want!.metrics.mse_loss);
      expect(got!.metrics.topk_threshold).toBe(want!.metrics.topk_threshold);
    } finally {
      whole.destroy();
      resumed.destroy();
    }
  });

  it("refuses a transcoder on a model without output vectors", async () => {
    const { device } = await testDevice();
    const saeOnly = { ...model, output: null };
    await expect(
      SyntheticStreamSession.create(
        device,
        shaders,
        saeOnly,
        [plan("t", "transcoder", "topk", 1)],
        {
          batchSize: 8,
          logEvery: 1,
          sourceName: "s",
        },
      ),
    ).rejects.toThrow(/t: a transcoder needs the synthetic model's transcoder variant/);
  });

  it("recovers planted features in a short run: MCC and F1 rise, as trained and as saved", async () => {
    const { device } = await testDevice();
    const steps = 40;
    const plans = [plan("sae", "sae", "topk", steps, { k: 4, lr: 5e-3 })];
    const session = await SyntheticStreamSession.create(device, shaders, model, plans, {
      batchSize: 64,
      logEvery: steps,
      sourceName: "synthetic:tiny",
    });
    const truth = SyntheticGroundTruth.create(device, shaders, model, 256);
    try {
      const [before] = await session.evaluateTruth(truth, { samples: 512, training: true });
      while (!session.finished) await session.step();
      const [live] = await session.evaluateTruth(truth, { samples: 512, training: true });
      const [saved] = await session.evaluateTruth(truth, { samples: 512, training: false });
      const b = before!.result.metrics;
      const a = live!.result.metrics;
      expect(a.sae_l0).toBe(4);
      expect(a.true_l0).toBe(b.true_l0);
      // In 32 dimensions a random direction already lies near one of 384 features (MCC ≈ 0.54).
      expect(a.mcc).toBeGreaterThan(b.mcc + 0.02);
      expect(a.classification.f1_score).toBeGreaterThan(b.classification.f1_score + 0.1);
      expect(a.explained_variance).toBeGreaterThan(0.3);
      expect(a.explained_variance).toBeLessThan(1);
      // TopK saves as it trains: the same latents, the same numbers.
      expect(saved!.result.metrics).toEqual(a);
    } finally {
      truth.destroy();
      session.destroy();
    }
  });
});

describe("expandSyntheticRun", () => {
  it("names dictionaries by kind and swept value, without a layer, seeded by their id", () => {
    const members = expandSyntheticRun({
      kinds: ["sae", "transcoder"],
      architecture: "topk",
      sweep: { setting: "k", values: [8, 16] },
      runSeed: 5,
    });
    expect(members.map((m) => [m.id, m.label])).toEqual([
      ["sae.k8", "sae · k 8"],
      ["sae.k16", "sae · k 16"],
      ["transcoder.k8", "transcoder · k 8"],
      ["transcoder.k16", "transcoder · k 16"],
    ]);
    expect(new Set(members.map((m) => m.seed)).size).toBe(4);
    expect(members.every((m) => m.hook === undefined)).toBe(true);
    const plain = expandSyntheticRun({ kinds: ["sae"], architecture: "standard", runSeed: 5 });
    expect(plain.map((m) => m.id)).toEqual(["sae"]);
  });
});
