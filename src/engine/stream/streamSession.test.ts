import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { StreamSession, type DictionaryPlan } from "./streamSession.ts";
import { corpusFromTokens } from "./tokenCorpus.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig({ dModel: 32, dHead: 8, dMlp: 128, nCtx: 16 });
const weights = processWeights(randomGpt2Weights(cfg, 8));
const rand = seededRandom(2);
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 4000 }, () => Math.floor(rand() * cfg.vocabSize)),
  0,
);

const plan = (kind: DictionaryPlan["kind"], hook?: string): DictionaryPlan => ({
  id: kind,
  kind,
  layer: 1,
  hook,
  dSae: 64,
  seed: 1,
  normalize: "expected_average_only_in",
  applyBDecToInput: true,
  schedule: {
    totalSteps: 30,
    lr: 1e-2,
    lrWarmUpSteps: 0,
    lrDecaySteps: 0,
    l1Coefficient: 0.05,
    l1WarmUpSteps: 0,
  },
  deadFeatureWindow: 1000,
  featureSamplingWindow: 0,
});

describe("StreamSession", () => {
  it("trains an SAE and a transcoder at once from one model stream", async () => {
    const { device } = await testDevice();
    const model = new GpuGpt2(device, shaders, weights, 64);
    const session = await StreamSession.create(
      device,
      shaders,
      model,
      corpus,
      [plan("sae", "blocks.1.hook_mlp_out"), plan("transcoder")],
      {
        batchSize: 32,
        bufferBatches: 4,
        seqsPerForward: 4,
        contextSize: cfg.nCtx,
        prependBos: false,
        excludeSpecialTokens: true,
        storeSeed: 0,
        logEvery: 10,
        modelName: "tiny",
        datasetPath: "random",
      },
    );
    const logged: Record<string, number[]> = { sae: [], transcoder: [] };
    while (!session.finished) {
      for (const { id, metrics } of await session.step())
        logged[id]!.push(metrics.explained_variance);
    }
    // Both learn from the same batches: 30 steps x 32 tokens, the model ran once for both.
    for (const id of ["sae", "transcoder"]) {
      expect(logged[id]).toHaveLength(3);
      expect(logged[id]![2]).toBeGreaterThan(logged[id]![0]!);
      expect(logged[id]![2]).toBeGreaterThan(0.3);
    }
    const served = 30 * 32;
    expect(session.store.tokensGenerated).toBeGreaterThanOrEqual(served);
    expect(session.store.tokensGenerated).toBeLessThan(served + session.store.capacity);
    const [sae, transcoder] = session.dictionaries;
    expect(sae!.spec).toMatchObject({
      hookName: "blocks.1.hook_mlp_out",
      hookNameOut: "blocks.1.hook_mlp_out",
    });
    expect(transcoder!.spec).toMatchObject({
      hookName: "blocks.1.ln2.hook_normalized",
      hookNameOut: "blocks.1.hook_mlp_out",
    });
    const evaluated = await session.evaluate(device, shaders, corpus, 2);
    for (const { metrics } of evaluated) {
      expect(metrics.ce_loss_score).toBeGreaterThan(0);
      expect(metrics.tokens).toBe(2 * (cfg.nCtx - 1));
      expect(metrics.eval_windows.token_offsets).toHaveLength(2);
    }
    session.destroy();
    model.destroy();
  });

  it("a run resumed from a checkpoint ends with the same weights as one never stopped", async () => {
    const { device } = await testDevice();
    const options = {
      batchSize: 16,
      bufferBatches: 4,
      seqsPerForward: 2,
      contextSize: cfg.nCtx,
      prependBos: false,
      excludeSpecialTokens: true,
      storeSeed: 3,
      logEvery: 4,
      modelName: "tiny",
      datasetPath: "random",
    };
    const plans = [plan("sae", "blocks.0.hook_resid_post"), plan("transcoder")].map((p) => ({
      ...p,
      schedule: { ...p.schedule, totalSteps: 15 },
    }));
    const make = async () => {
      const model = new GpuGpt2(device, shaders, weights, 32);
      return {
        model,
        session: await StreamSession.create(device, shaders, model, corpus, plans, options),
      };
    };
    const weightsOf = async (session: StreamSession) =>
      (await session.export()).map((d) => [
        ...d.params.wEnc,
        ...d.params.bEnc,
        ...d.params.wDec,
        ...d.params.bDec,
      ]);

    const a = await make();
    let checkpoint;
    while (!a.session.finished) {
      await a.session.step();
      // A checkpoint between logging steps, in the middle of a store round.
      if (a.session.batchesServed === 7) checkpoint = structuredClone(await a.session.checkpoint());
    }
    const uninterrupted = await weightsOf(a.session);
    const finalState = await a.session.checkpoint();
    a.session.destroy();
    a.model.destroy();

    const b = await make();
    await b.session.restore(checkpoint!);
    expect(b.session.batchesServed).toBe(7);
    while (!b.session.finished) await b.session.step();
    const resumed = await weightsOf(b.session);
    b.session.destroy();
    b.model.destroy();
    expect(resumed).toHaveLength(2);
    for (let i = 0; i < 2; i++) expect(resumed[i]).toEqual(uninterrupted[i]);
    // And the checkpoint really was mid-run: training after it changed the weights.
    const atCheckpoint = checkpoint!.dictionaries[0]!.gpu.params;
    const atEnd = finalState.dictionaries[0]!.gpu.params;
    expect(atCheckpoint.length).toBe(atEnd.length);
    expect(atCheckpoint.some((v, k) => v !== atEnd[k])).toBe(true);
  });
});
