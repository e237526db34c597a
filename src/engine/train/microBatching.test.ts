/**
 * A step whose [B, d_sae] buffers exceed the adapter's binding size runs as micro-batches whose
 * gradients are averaged before clipping and Adam. The unsplit step is checked against the
 * float64 references elsewhere (gpuDictionary.test.ts, gpuArchitectures.test.ts); here a split
 * step must give the same step, sums and counters as the unsplit one, for every architecture
 * that can be split, and the plan must refuse, with numbers, what cannot fit.
 */
import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { initialParams } from "./architecture.ts";
import { seededRandom } from "../dictionary/init.ts";
import { paramLayout } from "../dictionary/layout.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import {
  architectureOptions,
  exportedActivation,
  type ArchitectureOptions,
} from "./architecture.ts";
import { planMicroBatches } from "./dictionaryBuffers.ts";
import { GpuDictionary, type BatchSums, type StepScalars } from "./gpuDictionary.ts";
import type { StepPath } from "./dictionaryPasses.ts";

const shaders = loadNodeShaders();
const B = 128;
const D_SAE = 64;
/** Bytes of one [rows, d_sae] f32 buffer. */
const rowsBytes = (rows: number) => rows * D_SAE * 4;

function spec(
  kind: "sae" | "transcoder",
  a: ArchitectureOptions = architectureOptions(),
  skip = false,
): DictionarySpec {
  return {
    activation: exportedActivation(a),
    kind,
    dIn: 12,
    dSae: D_SAE,
    dOut: kind === "sae" ? 12 : 8,
    applyBDecToInput: kind === "sae",
    hookName: "h",
    hookNameOut: "h",
    modelName: "test",
    normalizeActivations: "none",
    ...(skip ? { skip: true } : {}),
  };
}

function batch(n: number, seed: number, offset: number): Float32Array<ArrayBuffer> {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * 2 + offset);
}

const scalars = (step: number): StepScalars => ({
  l1Coefficient: 0.3,
  lr: 0.01,
  adamStep: step,
  sIn: 1.1,
  sOut: 0.9,
  deadFeatureWindow: 2,
});

/** max |a - b| / max |b|. */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 1e-30;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

interface Run {
  sums: BatchSums[];
  grads: Float32Array[];
  state: Awaited<ReturnType<GpuDictionary["readState"]>>;
  split: number;
}

async function train(
  s: DictionarySpec,
  a: ArchitectureOptions,
  maxBindingBytes: number | undefined,
  path: StepPath,
): Promise<Run> {
  const { device, gemm } = await testDevice();
  const gpu = new GpuDictionary(device, shaders, s, B, a, gemm.choice, maxBindingBytes);
  const p = initialParams(s, a, 7);
  const rand = seededRandom(11);
  for (let i = 0; i < p.bEnc.length; i++) p.bEnc[i] = (rand() - 0.5) * 0.2;
  if (s.skip) for (let i = 0; i < p.wSkip!.length; i++) p.wSkip![i] = (rand() - 0.5) * 0.1;
  gpu.setParams(p);
  gpu.resetOptimizer();
  // Latents 0..9 start dead (AuxK and the pre-activation loss see them); 10..19 are one step
  // from dead.
  const state = await gpu.readState();
  for (let j = 0; j < 20; j++) state.firing[j] = j < 10 ? 5 : 2;
  gpu.writeState(state);
  const sums: BatchSums[] = [];
  const grads: Float32Array[] = [];
  for (let step = 1; step <= 4; step++) {
    const x = batch(B * s.dIn, 100 + step, 0.2);
    const y = s.kind === "transcoder" ? batch(B * s.dOut, 200 + step, -0.5) : undefined;
    gpu.uploadBatch(x, y);
    gpu.step(scalars(step), true, path);
    sums.push(await gpu.readBatchSums());
    const g = await gpu.readGradients();
    grads.push(Float32Array.from([...g.wEnc, ...g.bEnc, ...g.wDec, ...g.bDec]));
  }
  const run = { sums, grads, state: await gpu.readState(), split: gpu.microBatching.count };
  gpu.destroy();
  return run;
}

const topk = architectureOptions({ architecture: "topk", k: 5 });
const jumprelu = architectureOptions({
  architecture: "jumprelu",
  jumpreluInitThreshold: 0.2,
  jumpreluSparsityLossMode: "tanh",
  preActLossCoefficient: 0.5,
});
const standard = architectureOptions();
const cases: { name: string; s: DictionarySpec; a: ArchitectureOptions; path?: StepPath }[] = [
  { name: "standard SAE, sparse path", s: spec("sae"), a: standard },
  { name: "standard SAE, dense path", s: spec("sae"), a: standard, path: "dense" },
  { name: "standard skip transcoder", s: spec("transcoder", standard, true), a: standard },
  { name: "TopK SAE with AuxK", s: spec("sae", topk), a: topk },
  {
    name: "JumpReLU transcoder, tanh L0 and pre-activation loss",
    s: spec("transcoder", jumprelu),
    a: jumprelu,
  },
];

describe("micro-batched training steps", () => {
  for (const c of cases) {
    it(`${c.name}: 4 micro-batches give the unsplit step`, async () => {
      const path = c.path ?? "sparse";
      const whole = await train(c.s, c.a, undefined, path);
      // Room for 33 rows of [rows, d_sae]: B = 128 splits into 4 micro-batches of 32.
      const split = await train(c.s, c.a, rowsBytes(33), path);
      expect(whole.split).toBe(1);
      expect(split.split).toBe(4);
      for (let t = 0; t < 4; t++) {
        const [w, m] = [whole.sums[t]!, split.sums[t]!];
        expect(m.sumL0).toBe(w.sumL0);
        expect(m.deadFeatures).toBe(w.deadFeatures);
        for (const key of [
          "sumSquaredError",
          "sumL1",
          "targetVariance",
          "sumExtra",
          "gradNorm",
        ] as const) {
          expect(Math.abs(m[key] - w[key])).toBeLessThanOrEqual(
            2e-6 * Math.max(1, Math.abs(w[key])),
          );
        }
        expect(scaledError(split.grads[t]!, whole.grads[t]!)).toBeLessThan(2e-6);
      }
      expect(whole.sums[0]!.sumL0).toBeGreaterThan(0);
      // AuxK over the dead latents, or the pre-activation loss, took part.
      if (c.a.architecture !== "standard") expect(whole.sums[0]!.sumExtra).toBeGreaterThan(0);
      expect(scaledError(split.state.params, whole.state.params)).toBeLessThan(2e-6);
      expect(scaledError(split.state.adamV, whole.state.adamV)).toBeLessThan(1e-5);
      expect([...split.state.firing]).toEqual([...whole.state.firing]);
    });
  }

  it("the sums see every micro-batch: L0 over the whole batch, the target's variance about its mean", async () => {
    const a = architectureOptions({ architecture: "topk", k: 3 });
    const s = spec("transcoder", a);
    const { device, gemm } = await testDevice();
    const gpu = new GpuDictionary(device, shaders, s, B, a, gemm.choice, rowsBytes(32));
    expect(gpu.microBatching).toEqual({ count: 4, rows: 32 });
    gpu.setParams(initialParams(s, a, 3));
    gpu.resetOptimizer();
    const x = batch(B * s.dIn, 5, 0);
    // Each micro-batch's targets sit around a different mean: 0, 10, 20 and 30.
    const y = new Float32Array(B * s.dOut);
    const noise = batch(B * s.dOut, 6, 0);
    for (let r = 0; r < B; r++) {
      for (let d = 0; d < s.dOut; d++)
        y[r * s.dOut + d] = 10 * Math.floor(r / 32) + noise[r * s.dOut + d]!;
    }
    gpu.uploadBatch(x, y);
    gpu.step(scalars(1), true);
    const sums = await gpu.readBatchSums();
    gpu.destroy();
    expect(sums.sumL0).toBe(3 * B);
    let variance = 0;
    for (let d = 0; d < s.dOut; d++) {
      let mean = 0;
      for (let r = 0; r < B; r++) mean += (y[r * s.dOut + d]! * 0.9) / B;
      for (let r = 0; r < B; r++) variance += (y[r * s.dOut + d]! * 0.9 - mean) ** 2;
    }
    expect(Math.abs(sums.targetVariance - variance) / variance).toBeLessThan(1e-5);
  });
});

describe("planMicroBatches", () => {
  const layout = (dSae: number, d = 768) => paramLayout({ dIn: d, dSae, dOut: d }, "none");
  const MiB = 2 ** 20;

  it("keeps a batch that fits whole, and splits GPT-2-small scale at WebGPU's default 128 MiB", () => {
    expect(planMicroBatches(128 * MiB, layout(4096), 1024, standard)).toEqual({
      count: 1,
      rows: 1024,
    });
    // B = 4096 x d_sae 16,384 x 4 bytes = 256 MiB per [B, d_sae] buffer.
    expect(planMicroBatches(128 * MiB, layout(16384), 4096, standard)).toEqual({
      count: 2,
      rows: 2048,
    });
    // 24,576 latents: 384 MiB, and the parameters (144 MiB) need a larger binding.
    expect(planMicroBatches(2 ** 31 - 4, layout(24576), 4096, standard)).toEqual({
      count: 1,
      rows: 4096,
    });
    expect(planMicroBatches(256 * MiB, layout(24576), 4096, standard)).toEqual({
      count: 2,
      rows: 2048,
    });
  });

  it("picks a divisor of the batch", () => {
    // 1000 rows of 160 latents: 625 KiB; a 200 KiB binding holds 320 rows; 1000 = 4 x 250.
    expect(planMicroBatches(200 * 1024, layout(160, 8), 1000, standard)).toEqual({
      count: 4,
      rows: 250,
    });
  });

  it("refuses with the sizes and what to change", () => {
    expect(() => planMicroBatches(128 * MiB, layout(24576), 4096, standard)).toThrow(
      /37774080 parameters needs 144 MiB in one binding, over this adapter's 128 MiB per binding: use a smaller d_sae \(at most about 21816/,
    );
    const batchTopK = architectureOptions({ architecture: "batchtopk", k: 32 });
    expect(() => planMicroBatches(128 * MiB, layout(16384), 4096, batchTopK)).toThrow(
      /batch 4096 x d_sae 16384 needs 256 MiB .* BatchTopK selects over the whole batch at once, so it cannot be split: use a batch of at most 2048/,
    );
    expect(() => planMicroBatches(128 * MiB, layout(64, 768), 65536, standard)).toThrow(
      /batch 65536 x width 768 needs 192 MiB, over this adapter's 128 MiB per binding: use a smaller batch/,
    );
  });
});
