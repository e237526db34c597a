/**
 * "Unchanged numbers": the dictionaries of a sweep, trained together on one activation stream,
 * are bit-identical to the same dictionaries trained one at a time from the same seed and stream.
 */
import { describe, expect, it } from "vitest";
import { buildSweepPlans } from "../src/cli/sweepPlans.ts";
import { seededRandom } from "../src/engine/dictionary/init.ts";
import { writeSaelensWeights } from "../src/engine/formats/saelens.ts";
import { GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { processWeights } from "../src/engine/model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../src/engine/model/randomGpt2.ts";
import {
  StreamSession,
  type DictionaryPlan,
  type StreamOptions,
} from "../src/engine/stream/streamSession.ts";
import { expandSweep, parseSweep } from "../src/engine/stream/sweep.ts";
import { corpusFromTokens } from "../src/engine/stream/tokenCorpus.ts";
import { architectureOptions } from "../src/engine/train/architecture.ts";
import type { TrainingMetrics } from "../src/engine/train/metrics.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig({ dModel: 16, dHead: 8, dMlp: 64, nCtx: 16 });
const weights = processWeights(randomGpt2Weights(cfg, 4));
const rand = seededRandom(9);
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 3000 }, () => Math.floor(rand() * cfg.vocabSize)),
  0,
);
const options: StreamOptions = {
  batchSize: 16,
  bufferBatches: 4,
  seqsPerForward: 2,
  contextSize: cfg.nCtx,
  prependBos: false,
  excludeSpecialTokens: true,
  storeSeed: 7,
  logEvery: 4,
  modelName: "tiny",
  datasetPath: "random",
};

interface Trained {
  weights: Uint8Array;
  density: number[];
  metrics: TrainingMetrics[];
}

async function train(device: GPUDevice, plans: DictionaryPlan[]): Promise<Map<string, Trained>> {
  const model = new GpuGpt2(device, shaders, weights, 32);
  const session = await StreamSession.create(device, shaders, model, corpus, plans, options);
  const metrics = new Map<string, TrainingMetrics[]>(plans.map((p) => [p.id, []]));
  while (!session.finished) {
    for (const { id, metrics: m } of await session.step()) metrics.get(id)!.push(m);
  }
  const out = new Map<string, Trained>();
  const exported = await session.export();
  for (const [i, d] of session.dictionaries.entries()) {
    out.set(d.id, {
      weights: writeSaelensWeights(exported[i]!.params, d.spec),
      density: await d.trainer.readFeatureDensity(),
      metrics: metrics.get(d.id)!,
    });
  }
  session.destroy();
  model.destroy();
  return out;
}

describe("a sweep on one stream", () => {
  it("trains each dictionary exactly as it trains alone from the same seed and stream", async () => {
    const { device } = await testDevice();
    const members = expandSweep({
      kinds: ["sae", "transcoder"],
      layers: [1],
      layerList: false,
      architecture: "topk",
      sweep: parseSweep("k=2,6"),
      runSeed: 3,
    });
    const plans = buildSweepPlans(members, {
      dSae: 32,
      schedule: {
        totalSteps: 12,
        lr: 1e-2,
        lrWarmUpSteps: 0,
        lrDecaySteps: 4,
        l1Coefficient: 1,
        l1WarmUpSteps: 0,
      },
      normalize: "expected_average_only_in",
      applyBDecToInput: true,
      deadFeatureWindow: 1000,
      featureSamplingWindow: 6,
      skip: true,
      architectureOf: (m) => architectureOptions({ architecture: "topk", k: m.overrides.k! }),
    }).map((p) => p.plan);
    expect(plans.map((p) => [p.id, p.kind, p.skip === true])).toEqual([
      ["sae.L1.k2", "sae", false],
      ["sae.L1.k6", "sae", false],
      ["transcoder.L1.k2", "transcoder", true],
      ["transcoder.L1.k6", "transcoder", true],
    ]);
    const together = await train(device, plans);
    for (const plan of plans) {
      const alone = (await train(device, [plan])).get(plan.id)!;
      const swept = together.get(plan.id)!;
      expect(swept.metrics.map((m) => m.step)).toEqual([4, 6, 8, 12]);
      expect(Buffer.from(swept.weights).equals(Buffer.from(alone.weights))).toBe(true);
      expect(swept.density).toEqual(alone.density);
      expect(swept.metrics).toEqual(alone.metrics);
    }
    // The four really differ (their own seeds and k), so equality above is not trivial.
    const [a, b, c, d] = plans.map((p) => Buffer.from(together.get(p.id)!.weights));
    expect(a!.equals(b!)).toBe(false);
    expect(c!.equals(d!)).toBe(false);
    expect(together.get("sae.L1.k2")!.metrics[3]!.l0).toBe(2);
    expect(together.get("sae.L1.k6")!.metrics[3]!.l0).toBe(6);
  }, 180_000);
});
