import { describe, expect, it } from "vitest";
import { paramLayout } from "../dictionary/layout.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { StreamSession } from "./streamSession.ts";
import { corpusFromTokens } from "./tokenCorpus.ts";
import { architectureOptions, thresholdStorage } from "../train/architecture.ts";
import { allocateDictionaryBuffers } from "../train/dictionaryBuffers.ts";
import {
  ACHIEVED_SHARE,
  dictionaryBufferSizes,
  dictionaryStepFlops,
  estimateRun,
  formatDuration,
  storeBufferSizes,
  storeTokens,
  type EstimateDictionary,
  type RunEstimateInput,
} from "./runEstimate.ts";

const MODEL = { nLayer: 4, dModel: 128, dMlp: 512, nHead: 4, vocabSize: 50257, nCtx: 256 };

function pair(dSae: number): EstimateDictionary[] {
  return [
    {
      id: "sae",
      kind: "sae",
      layer: 3,
      hook: "blocks.3.hook_mlp_out",
      dIn: 128,
      dSae,
      dOut: 128,
      architecture: "standard",
    },
    {
      id: "transcoder",
      kind: "transcoder",
      layer: 3,
      dIn: 128,
      dSae,
      dOut: 128,
      architecture: "standard",
    },
  ];
}

function input(over: Partial<RunEstimateInput> = {}): RunEstimateInput {
  return {
    dictionaries: pair(512),
    batchSize: 128,
    steps: 150,
    model: MODEL,
    contextSize: 128,
    seqsPerForward: 8,
    bufferBatches: 20,
    evalSequences: 4,
    liveEvalShare: 0.1,
    limits: { maxBufferSize: 2 ** 28, maxStorageBufferBindingSize: 2 ** 27 },
    ...over,
  };
}

describe("runEstimate", () => {
  it("sizes each dictionary buffer as allocateDictionaryBuffers allocates it", async () => {
    const { device } = await testDevice();
    const cases = [
      {
        kind: "sae" as const,
        arch: architectureOptions(),
        skip: false,
        B: 16,
        split: { count: 1, rows: 16 },
      },
      {
        kind: "transcoder" as const,
        arch: architectureOptions({ architecture: "topk", k: 8 }),
        skip: true,
        B: 16,
        split: { count: 2, rows: 8 },
      },
      {
        kind: "sae" as const,
        arch: architectureOptions({ architecture: "jumprelu" }),
        skip: false,
        B: 12,
        split: { count: 3, rows: 4 },
      },
      {
        kind: "transcoder" as const,
        arch: architectureOptions({ architecture: "batchtopk", k: 4 }),
        skip: false,
        B: 8,
        split: { count: 1, rows: 8 },
      },
      {
        kind: "sae" as const,
        arch: architectureOptions({ architecture: "matryoshka_batchtopk", k: 4 }),
        skip: false,
        B: 8,
        split: { count: 1, rows: 8 },
      },
    ];
    for (const c of cases) {
      const spec = {
        kind: c.kind,
        dIn: 10,
        dSae: 37,
        dOut: 14,
        skip: c.skip,
        applyBDecToInput: c.kind === "sae",
      } as DictionarySpec;
      const layout = paramLayout(spec, thresholdStorage(c.arch));
      const real = allocateDictionaryBuffers(device, spec, layout, c.B, c.arch, c.split);
      const allocated = real.all.map((b) => [b.label, b.size]).sort();
      const estimated = dictionaryBufferSizes(c.kind, layout, c.B, c.arch, c.split)
        .map((b) => [b.name, b.bytes])
        .sort();
      expect(estimated).toEqual(allocated);
      for (const b of real.all) b.destroy();
    }
  });

  it("sizes the store as ActivationStore does: 2 x (2 half + 2 batch) rows per site", () => {
    // bufferBatches 20 -> half = 10 forwards of 1024 rows; capacity 2*10240 + 2*128.
    const s = storeBufferSizes(3, 128, 128, 20, 1024);
    expect(s.capacity).toBe(20736);
    expect(s.siteBytes).toBe(20736 * 128 * 4);
    const e = estimateRun(input({ seqsPerForward: 8 }));
    // SAE at hook_mlp_out shares the transcoder's target site: 2 sites, 2 buffers each.
    expect(e.buffers.filter((b) => b.owner === "store" && b.name.startsWith("site")).length).toBe(
      4,
    );
  });

  it("counts the store's buffers and the rows the model runs over as a real session does", async () => {
    const { device } = await testDevice();
    const shaders = loadNodeShaders();
    const cfg = tinyConfig({ dModel: 32, dHead: 8, dMlp: 128, nCtx: 16 });
    const rand = seededRandom(2);
    const corpus = corpusFromTokens(
      "random tokens",
      Int32Array.from({ length: 4000 }, () => Math.floor(rand() * cfg.vocabSize)),
      0,
    );
    const model = new GpuGpt2(device, shaders, processWeights(randomGpt2Weights(cfg, 8)), 64);
    const steps = 30;
    const session = await StreamSession.create(
      device,
      shaders,
      model,
      corpus,
      [
        {
          id: "transcoder",
          kind: "transcoder",
          layer: 1,
          dSae: 16,
          seed: 1,
          normalize: "none",
          applyBDecToInput: false,
          schedule: {
            totalSteps: steps,
            lr: 1e-3,
            lrWarmUpSteps: 0,
            lrDecaySteps: 0,
            l1Coefficient: 0.01,
            l1WarmUpSteps: 0,
          },
          deadFeatureWindow: 1000,
          featureSamplingWindow: 0,
        },
      ],
      {
        batchSize: 32,
        bufferBatches: 4,
        seqsPerForward: 4,
        contextSize: 16,
        prependBos: false,
        excludeSpecialTokens: false,
        storeSeed: 0,
        logEvery: 100,
        modelName: "tiny",
        datasetPath: "random",
      },
    );
    try {
      while (!session.finished) await session.step();
      const sizes = storeBufferSizes(2, 32, 32, 4, 4 * 16);
      expect(sizes.half).toBe(session.store.half);
      expect(sizes.capacity).toBe(session.store.capacity);
      expect(storeTokens(steps, 32, sizes.half)).toBe(session.store.tokensGenerated);
    } finally {
      session.destroy();
    }
  });

  it("counts the FLOPs of a step: encoder fwd+grad, decoder x3 over active latents, Adam", () => {
    const d: EstimateDictionary = {
      id: "t",
      kind: "transcoder",
      layer: 0,
      dIn: 8,
      dSae: 32,
      dOut: 8,
      architecture: "topk",
      k: 4,
    };
    const params = 8 * 32 + 32 * 8 + 32 + 8;
    expect(dictionaryStepFlops(d, 10)).toBe(4 * 10 * 8 * 32 + 6 * 10 * 4 * 8 + 12 * params);
    const dense = { ...d, architecture: "standard" as const };
    expect(dictionaryStepFlops(dense, 10)).toBe(4 * 10 * 8 * 32 + 6 * 10 * 32 * 8 + 12 * params);
  });

  it("turns FLOPs into seconds at the measured throughput, the live evaluations included", () => {
    const e = estimateRun(input({ flopsPerSecond: 1e9 }));
    expect(e.refusal).toBeUndefined();
    const rate = 1e9 * ACHIEVED_SHARE;
    expect(e.trainSeconds).toBeCloseTo((e.flopsPerStep * 150 * 1.1) / rate, 6);
    expect(e.seconds).toBeCloseTo(e.trainSeconds! + e.evalFlops / rate, 6);
    expect(estimateRun(input()).seconds).toBeUndefined();
  });

  it("refuses batch 65536 x d_sae 65536 on a small adapter with the numbers, and says days", () => {
    const huge = input({
      dictionaries: pair(65536),
      batchSize: 65536,
      steps: 150,
      bufferBatches: 128,
      flopsPerSecond: 2e10,
      limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31, memoryBytes: 8e9 },
    });
    const e = estimateRun(huge);
    expect(e.totalBytes).toBeGreaterThan(8e9);
    expect(e.refusal).toMatch(/GPU memory .* over the ≈ 8\.0 GB/);
    expect(e.seconds! / 3600).toBeGreaterThan(24);
    // With a binding limit of 128 MiB, the [B, d_sae] buffers split into micro-batches.
    const small = estimateRun({
      ...huge,
      limits: { maxBufferSize: 2 ** 27, maxStorageBufferBindingSize: 2 ** 27 },
    });
    expect(small.splits.sae!.count).toBeGreaterThan(1);
    expect(small.refusal).toBeUndefined();
    expect(Math.max(...small.buffers.map((b) => b.bytes))).toBeLessThanOrEqual(2 ** 27);
  });

  it("formats durations as people read them", () => {
    expect(formatDuration(200)).toBe("3 min 20 s");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(7500)).toBe("2 h 5 min");
  });
});
