import { describe, expect, it } from "vitest";
import { initDictionary } from "../dictionary/init.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { forward } from "../reference/dictionaryReference.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { architectureOptions, exportedActivation, initialParams } from "./architecture.ts";
import { GpuDictionary } from "./gpuDictionary.ts";
import { DictionaryTrainer, type TrainerOptions } from "./trainer.ts";

const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: 6,
  dSae: 23,
  dOut: 5,
  applyBDecToInput: false,
  hookName: "a",
  hookNameOut: "b",
  modelName: "m",
  normalizeActivations: "none",
};
const B = 17;

function batch(n: number, seed: number) {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((i + 1) * 0.37 + seed));
}

function options(over: Partial<TrainerOptions>): TrainerOptions {
  return {
    schedule: {
      totalSteps: 10,
      lr: 1e-3,
      lrWarmUpSteps: 0,
      lrDecaySteps: 0,
      l1Coefficient: 0.1,
      l1WarmUpSteps: 0,
    },
    logEvery: 1000,
    deadFeatureWindow: 1000,
    densityWindow: 0,
    sIn: 1,
    sOut: 1,
    ...over,
  };
}

describe("DictionaryTrainer", () => {
  it("reads metrics back only on logging steps and the last step", async () => {
    const { device } = await testDevice();
    const gpu = new GpuDictionary(device, loadNodeShaders(), spec, B);
    gpu.setParams(initDictionary(spec, 1));
    gpu.resetOptimizer();
    const trainer = new DictionaryTrainer(gpu, options({ logEvery: 4 }));
    const logged: number[] = [];
    for (let i = 0; i < 10; i++) {
      const m = await trainer.step(batch(B * 6, i), batch(B * 5, 100 + i));
      if (m) logged.push(m.step);
    }
    expect(logged).toEqual([4, 8, 10]);
    expect(trainer.finished).toBe(true);
    gpu.destroy();
  });

  it("counts dead features and feature density like SAELens", async () => {
    const { device } = await testDevice();
    const gpu = new GpuDictionary(device, loadNodeShaders(), spec, B);
    const params = initDictionary(spec, 2);
    // Latents 0..6 can never fire: their bias is far below any pre-activation.
    for (let i = 0; i < 7; i++) params.bEnc[i] = -100;
    gpu.setParams(params);
    gpu.resetOptimizer();
    // A negligible learning rate keeps the weights fixed, so every step sees the same firing.
    const trainer = new DictionaryTrainer(
      gpu,
      options({
        schedule: { ...options({}).schedule, lr: 1e-12, totalSteps: 6 },
        deadFeatureWindow: 3,
        densityWindow: 6,
        logEvery: 2,
      }),
    );
    const x = batch(B * 6, 7);
    const y = batch(B * 5, 8);
    const fw = forward(
      spec,
      {
        wEnc: Float64Array.from(params.wEnc),
        bEnc: Float64Array.from(params.bEnc),
        wDec: Float64Array.from(params.wDec),
        bDec: Float64Array.from(params.bDec),
      },
      x,
      y,
      B,
      0.1,
    );
    const firesPerBatch = Array.from({ length: spec.dSae }, (_, i) => {
      let c = 0;
      for (let b = 0; b < B; b++) if (fw.f[b * spec.dSae + i]! > 0) c++;
      return c;
    });
    const neverFire = firesPerBatch.filter((c) => c === 0).length;
    expect(neverFire).toBeGreaterThanOrEqual(7);
    expect(neverFire).toBeLessThan(spec.dSae);
    const dead: number[] = [];
    let density: number[] | undefined;
    for (let i = 0; i < 6; i++) {
      const m = await trainer.step(x, y);
      if (m) dead.push(m.dead_features);
      if (m?.feature_density_log10) density = m.feature_density_log10;
    }
    // After step s a silent latent has gone s steps without firing; dead means > 3.
    expect(dead).toEqual([0, neverFire, neverFire]);
    expect(density).toHaveLength(spec.dSae);
    density!.forEach((d, i) => {
      expect(d).toBeCloseTo(Math.log10(firesPerBatch[i]! / B + 1e-10), 5);
    });
    gpu.destroy();
  });

  it("density windows start before their step, as SAELens's: the saved density is never empty", async () => {
    const { device } = await testDevice();
    const gpu = new GpuDictionary(device, loadNodeShaders(), spec, B);
    const params = initDictionary(spec, 4);
    gpu.setParams(params);
    gpu.resetOptimizer();
    const steps = 6;
    const window = 3;
    const trainer = new DictionaryTrainer(
      gpu,
      options({
        schedule: { ...options({}).schedule, lr: 1e-12, totalSteps: steps },
        densityWindow: window,
        logEvery: 100,
      }),
    );
    const p64 = {
      wEnc: Float64Array.from(params.wEnc),
      bEnc: Float64Array.from(params.bEnc),
      wDec: Float64Array.from(params.wDec),
      bDec: Float64Array.from(params.bDec),
    };
    const fires: number[][] = [];
    const logged = new Map<number, number[]>();
    for (let i = 0; i < steps; i++) {
      const x = batch(B * 6, 10 * i);
      const y = batch(B * 5, 10 * i + 1);
      const f = forward(spec, p64, x, y, B, 0.1).f;
      fires.push(
        Array.from({ length: spec.dSae }, (_, j) => {
          let c = 0;
          for (let b = 0; b < B; b++) if (f[b * spec.dSae + j]! > 0) c++;
          return c;
        }),
      );
      const m = await trainer.step(x, y);
      if (m?.feature_density_log10) logged.set(m.step, m.feature_density_log10);
    }
    const expected = (from: number, to: number) =>
      Array.from({ length: spec.dSae }, (_, j) => {
        let c = 0;
        for (let s = from; s < to; s++) c += fires[s]![j]!;
        return Math.log10(c / ((to - from) * B) + 1e-10);
      });
    // Logged at the start of steps 3 and 6 (1-based): steps 1-2, then steps 3-5.
    expect([...logged.keys()]).toEqual([3, 6]);
    const check = (got: number[], want: number[]) =>
      got.forEach((d, j) => expect(d).toBeCloseTo(want[j]!, 5));
    check(logged.get(3)!, expected(0, 2));
    check(logged.get(6)!, expected(2, 5));
    // The step count is a multiple of the window: what is saved covers the last step.
    const saved = await trainer.readFeatureDensity();
    expect(saved.some((d) => d > -10)).toBe(true);
    check(saved, expected(5, 6));
    gpu.destroy();
  });

  it("starts on the dense path and follows the last measured L0", async () => {
    const { device } = await testDevice();
    const gpu = new GpuDictionary(device, loadNodeShaders(), spec, B);
    gpu.setParams(initDictionary(spec, 3));
    gpu.resetOptimizer();
    const fraction = 0.3;
    const trainer = new DictionaryTrainer(
      gpu,
      options({ logEvery: 1, denseAboveL0Fraction: fraction }),
    );
    expect(trainer.nextPath).toBe("dense");
    const l0s: number[] = [];
    for (let i = 0; i < 4; i++) {
      const m = await trainer.step(batch(B * 6, i), batch(B * 5, 50 + i));
      l0s.push(m!.l0);
      expect(trainer.nextPath).toBe(m!.l0 > fraction * spec.dSae ? "dense" : "sparse");
    }
    expect(Math.min(...l0s)).toBeGreaterThan(0);
    gpu.destroy();
  });

  it("takes a new JumpReLU L0 coefficient from the next step, and keeps it in its state", async () => {
    const { device } = await testDevice();
    const a = architectureOptions({ architecture: "jumprelu", l0Coefficient: 0.1 });
    const jumpSpec: DictionarySpec = { ...spec, activation: exportedActivation(a) };
    const gpu = new GpuDictionary(device, loadNodeShaders(), jumpSpec, B, a);
    gpu.setParams(initialParams(jumpSpec, a, 4));
    gpu.resetOptimizer();
    const trainer = new DictionaryTrainer(gpu, options({ logEvery: 1 }));
    const before = (await trainer.step(batch(B * 6, 1), batch(B * 5, 2)))!;
    trainer.setHyperparameters({ l0Coefficient: 0.5 });
    const after = (await trainer.step(batch(B * 6, 3), batch(B * 5, 4)))!;
    expect(before.l0_coefficient).toBe(0.1);
    expect(after.l0_coefficient).toBe(0.5);
    // The step L0 term is the coefficient times the batch's mean L0.
    expect(after.l0).toBeGreaterThan(0);
    expect(after.l0_loss).toBeCloseTo(0.5 * after.l0, 5);
    expect(before.l0_loss).toBeCloseTo(0.1 * before.l0, 5);
    expect(trainer.state.l0Coefficient).toBe(0.5);
    const resumed = new DictionaryTrainer(gpu, options({ logEvery: 1 }));
    resumed.restore(trainer.state);
    expect((await resumed.step(batch(B * 6, 5), batch(B * 5, 6)))!.l0_coefficient).toBe(0.5);
    gpu.destroy();
  });
});
