import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { architectureOptions } from "../train/architecture.ts";
import { evaluateDictionary, StreamSession, type DictionaryPlan } from "./streamSession.ts";
import { corpusFromTokens } from "./tokenCorpus.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig({ dModel: 32, dHead: 8, dMlp: 128, nCtx: 16 });
const weights = processWeights(randomGpt2Weights(cfg, 8));
const rand = seededRandom(3);
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 4000 }, () => Math.floor(rand() * cfg.vocabSize)),
  0,
);
const K = 4;

const plan = (kind: DictionaryPlan["kind"]): DictionaryPlan => ({
  id: kind,
  kind,
  layer: 1,
  hook: kind === "sae" ? "blocks.1.hook_resid_pre" : undefined,
  dSae: 64,
  seed: 1,
  normalize: "none",
  applyBDecToInput: true,
  schedule: {
    totalSteps: 10,
    lr: 1e-3,
    lrWarmUpSteps: 0,
    lrDecaySteps: 0,
    l1Coefficient: 0,
    l1WarmUpSteps: 0,
  },
  deadFeatureWindow: 1000,
  featureSamplingWindow: 0,
  architecture: architectureOptions({ architecture: "batchtopk", k: K }),
});

describe("the live eval of a BatchTopK dictionary", () => {
  it("keeps k latents per position on average, as SAELens's evaluator, not those above τ", async () => {
    const { device } = await testDevice();
    const model = new GpuGpt2(device, shaders, weights, 64);
    const session = await StreamSession.create(
      device,
      shaders,
      model,
      corpus,
      [plan("sae"), plan("transcoder")],
      {
        batchSize: 32,
        bufferBatches: 4,
        seqsPerForward: 4,
        contextSize: cfg.nCtx,
        prependBos: false,
        excludeSpecialTokens: false,
        storeSeed: 0,
        logEvery: 10,
        modelName: "tiny",
        datasetPath: "random",
      },
    );
    while (!session.finished) await session.step();
    // 3 windows of 16 positions, evaluated together: int(4·48) = 192 latents kept in all.
    const options = { sequences: 3, excludeSpecialTokens: false, l0: true };
    const live = await session.evaluateTraining(device, shaders, corpus, options);
    const saved = await session.export();
    for (const [i, { id, metrics }] of live.entries()) {
      expect(metrics.l0, id).toBe(K);
      expect(Number.isFinite(metrics.ce_loss_score), id).toBe(true);
      // The saved form, a JumpReLU with τ ≈ (1 − 0.99¹⁰)·(smallest kept), keeps far more.
      const d = saved[i]!;
      const asSaved = await evaluateDictionary(device, shaders, model, corpus, d.spec, d.params, {
        ...options,
        contextSize: cfg.nCtx,
        prependBos: false,
      });
      expect(asSaved.l0!, id).toBeGreaterThan(3 * K);
    }
    session.destroy();
  });
});
