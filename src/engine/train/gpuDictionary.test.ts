import { describe, expect, it } from "vitest";
import { initDictionary, seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import {
  clipGradNorm,
  forward,
  gradients,
  adamUpdate,
  zerosLike,
  PARAM_NAMES,
  type RefParams,
  type RefShape,
} from "../reference/dictionaryReference.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { architectureOptions, exportedActivation } from "./architecture.ts";
import { GpuDictionary } from "./gpuDictionary.ts";

function spec(kind: "sae" | "transcoder", dIn: number, dSae: number, dOut: number): DictionarySpec {
  return {
    kind,
    dIn,
    dSae,
    dOut,
    applyBDecToInput: kind === "sae",
    hookName: "h",
    hookNameOut: "h",
    modelName: "test",
    normalizeActivations: "none",
  };
}

function randomParams(s: DictionarySpec, seed: number): DictionaryParams {
  const p = initDictionary(s, seed);
  const rand = seededRandom(seed + 1);
  for (let i = 0; i < p.bEnc.length; i++) p.bEnc[i] = (rand() - 0.5) * 0.02;
  for (let i = 0; i < p.bDec.length; i++) p.bDec[i] = (rand() - 0.5) * 0.2;
  return p;
}

function randomData(n: number, seed: number, offset = 0): Float32Array<ArrayBuffer> {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * 2 + offset);
}

const to64 = (p: DictionaryParams): RefParams => ({
  wEnc: Float64Array.from(p.wEnc),
  bEnc: Float64Array.from(p.bEnc),
  wDec: Float64Array.from(p.wDec),
  bDec: Float64Array.from(p.bDec),
});

/** max |a - b| / max |b|: the error relative to the tensor's scale. */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

const shaders = loadNodeShaders();
const cases = [
  { name: "SAE B=61 d=37 d_sae=131", s: spec("sae", 37, 131, 37), B: 61 },
  { name: "transcoder B=61 d_in=37 d_sae=131 d_out=29", s: spec("transcoder", 37, 131, 29), B: 61 },
  {
    name: "transcoder wide d_out=300 (several dimension passes)",
    s: spec("transcoder", 300, 9, 300),
    B: 5,
  },
];

describe("GpuDictionary against the float64 reference", () => {
  for (const { name, s, B } of cases)
    for (const path of ["sparse", "dense"] as const) {
      it(`${name}, ${path} path: metrics, gradients and 3 Adam steps`, async () => {
        const { device } = await testDevice();
        const ref: RefShape = s;
        const params = randomParams(s, 7);
        const gpu = new GpuDictionary(device, shaders, s, B);
        gpu.setParams(params);
        gpu.resetOptimizer();
        const p64 = to64(params);
        const state = { step: 0, m: zerosLike(p64), v: zerosLike(p64) };
        const l1 = 0.7;
        const lr = 1e-3;
        for (let step = 1; step <= 3; step++) {
          const x = randomData(B * s.dIn, 100 + step, 0.3);
          const y = s.kind === "sae" ? x : randomData(B * s.dOut, 200 + step, -0.2);
          gpu.uploadBatch(x, s.kind === "sae" ? undefined : y);
          gpu.step(
            { l1Coefficient: l1, lr, adamStep: step, sIn: 1, sOut: 1, deadFeatureWindow: 1000 },
            true,
            path,
          );
          const sums = await gpu.readBatchSums();
          const grads = await gpu.readGradients();
          const fw = forward(ref, p64, x, y, B, l1);
          const g64 = gradients(ref, p64, x, y, B, l1);
          expect(sums.sumSquaredError / B).toBeCloseTo(fw.mseLoss, 4);
          expect((l1 * sums.sumL1) / B / fw.l1Loss).toBeCloseTo(1, 5);
          expect(sums.sumL0 / B).toBe(fw.l0);
          expect(fw.l0).toBeGreaterThan(1);
          expect(1 - sums.sumSquaredError / sums.targetVariance).toBeCloseTo(
            fw.explainedVariance,
            4,
          );
          for (const n of PARAM_NAMES) {
            expect(scaledError(grads[n], g64[n]), `gradient ${n} at step ${step}`).toBeLessThan(
              2e-5,
            );
          }
          const norm = clipGradNorm(g64, 1);
          expect(sums.gradNorm / norm).toBeCloseTo(1, 4);
          adamUpdate(p64, g64, state, lr);
          const after = await gpu.readParams();
          for (const n of PARAM_NAMES) {
            expect(scaledError(after[n], p64[n]), `param ${n} after step ${step}`).toBeLessThan(
              1e-5,
            );
          }
        }
        gpu.destroy();
      });
    }
});

describe("GpuDictionary shape limits", () => {
  it("refuses, before allocating, a BatchTopK batch whose buffers the adapter cannot bind", async () => {
    // Other architectures split such a batch (microBatching.test.ts); BatchTopK cannot.
    const { device } = await testDevice();
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const dSae = 4096;
    const batch = Math.floor(limit / (dSae * 4)) + 1;
    const a = architectureOptions({ architecture: "batchtopk", k: 4 });
    const s = { ...spec("sae", 8, dSae, 8), activation: exportedActivation(a) };
    expect(() => new GpuDictionary(device, shaders, s, batch, a)).toThrow(
      new RegExp(`^batch ${batch} x d_sae 4096 needs .* use a batch of at most ${batch - 1}$`),
    );
  });
});

describe("GpuDictionary with zeroed decoder rows", () => {
  // A checkpoint that zeroed its dead latents' decoder rows: those latents still fire, and
  // the L1 term's gradient through ||W_dec[i]|| is 0 there, as torch's norm backward gives.
  for (const path of ["sparse", "dense"] as const) {
    it(`${path} path: firing latents with an all-zero decoder row keep every tensor finite`, async () => {
      const { device } = await testDevice();
      const s = spec("transcoder", 12, 40, 9);
      const B = 16;
      const params = randomParams(s, 3);
      const zeroed = [0, 5, 17, 39];
      for (const i of zeroed) {
        params.wDec.fill(0, i * s.dOut, (i + 1) * s.dOut);
        params.bEnc[i] = 5; // fires on every row
      }
      const gpu = new GpuDictionary(device, shaders, s, B);
      gpu.setParams(params);
      gpu.resetOptimizer();
      const x = randomData(B * s.dIn, 11);
      const y = randomData(B * s.dOut, 12);
      gpu.uploadBatch(x, y);
      const l1 = 0.5;
      gpu.step(
        { l1Coefficient: l1, lr: 1e-3, adamStep: 1, sIn: 1, sOut: 1, deadFeatureWindow: 1000 },
        true,
        path,
      );
      const sums = await gpu.readBatchSums();
      const grads = await gpu.readGradients();
      const p64 = to64(params);
      const g64 = gradients(s, p64, x, y, B, l1);
      expect(Number.isFinite(sums.gradNorm)).toBe(true);
      for (const n of PARAM_NAMES) {
        expect(grads[n].every(Number.isFinite), `gradient ${n} finite`).toBe(true);
        expect(scaledError(grads[n], g64[n]), `gradient ${n}`).toBeLessThan(2e-5);
      }
      // The zeroed rows' decoder gradient is the reconstruction term alone.
      for (const i of zeroed) {
        for (let d = 0; d < s.dOut; d++) {
          expect(g64.wDec[i * s.dOut + d]).not.toBeNaN();
        }
      }
      const after = await gpu.readParams();
      for (const n of PARAM_NAMES) expect(after[n].every(Number.isFinite), n).toBe(true);
      gpu.destroy();
    });
  }
});

describe("GpuDictionary: a standard skip transcoder", () => {
  // y^ = f W_dec + b_dec + x W_skipᵀ: the reference on the target y − x W_skipᵀ gives every other
  // gradient, and dW_skip = (2/B) (y^ − y)ᵀ x.
  for (const path of ["sparse", "dense"] as const) {
    it(`${path} path: gradients of every parameter, W_skip's included`, async () => {
      const { device } = await testDevice();
      const s: DictionarySpec = { ...spec("transcoder", 13, 37, 10), skip: true };
      const B = 12;
      const params = randomParams(s, 5);
      const rand = seededRandom(9);
      params.wSkip = Float32Array.from({ length: s.dOut * s.dIn }, () => rand() - 0.5);
      const gpu = new GpuDictionary(device, shaders, s, B);
      gpu.setParams(params);
      gpu.resetOptimizer();
      const x = randomData(B * s.dIn, 21);
      const y = randomData(B * s.dOut, 22);
      gpu.uploadBatch(x, y);
      const l1 = 0.4;
      gpu.step(
        { l1Coefficient: l1, lr: 1e-3, adamStep: 1, sIn: 1, sOut: 1, deadFeatureWindow: 1000 },
        true,
        path,
      );
      const sums = await gpu.readBatchSums();
      const grads = await gpu.readGradients();
      const skip = new Float64Array(B * s.dOut);
      for (let b = 0; b < B; b++)
        for (let d = 0; d < s.dOut; d++)
          for (let k = 0; k < s.dIn; k++)
            skip[b * s.dOut + d]! += x[b * s.dIn + k]! * params.wSkip[d * s.dIn + k]!;
      const target = Float64Array.from(y, (v, e) => v - skip[e]!);
      const p64 = to64(params);
      const fw = forward(s, p64, x, target, B, l1);
      const g64 = gradients(s, p64, x, target, B, l1);
      expect(sums.sumSquaredError / B / fw.mseLoss).toBeCloseTo(1, 5);
      for (const n of PARAM_NAMES) {
        expect(scaledError(grads[n], g64[n]), `gradient ${n}`).toBeLessThan(2e-5);
      }
      const gSkip = new Float64Array(s.dOut * s.dIn);
      for (let b = 0; b < B; b++)
        for (let d = 0; d < s.dOut; d++)
          for (let k = 0; k < s.dIn; k++)
            gSkip[d * s.dIn + k]! +=
              (2 / B) * (fw.yHat[b * s.dOut + d]! - target[b * s.dOut + d]!) * x[b * s.dIn + k]!;
      expect(scaledError(grads.wSkip!, gSkip), "gradient wSkip").toBeLessThan(2e-5);
      gpu.destroy();
    });
  }
});
