/**
 * npm run bench:stream [-- --model builtin|random-gpt2-small|random-tiny|DIR] [--layer L]
 *   [--batch B] [--d-sae N] [--steps S]
 *
 * `random-gpt2-small`: seeded random weights with GPT-2 small's widths (d 768, 12 heads, MLP 3072,
 * vocabulary 50257, context 1024) and the layers up to L (the ones the stream runs); `random-tiny`
 * the same at d 16 (dry runs).
 *
 * Throughput of the activation stream on this machine's WebGPU adapter, as JSON:
 * - model_forward: tokens/s of the model alone up to layer L, capturing the transcoder's sites;
 * - stream_training: tokens/s of a transcoder trained on the stream (store, shuffles, model);
 * - file_training: tokens/s of the same transcoder on batches uploaded from the host;
 * and their ratios, which are what carry over between adapters.
 */
import { parseArgs } from "node:util";
import { initDictionary } from "../src/engine/dictionary/init.ts";
import { createBuffer } from "../src/engine/gpu/kernel.ts";
import { captureHook, GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import type { Gpt2Config } from "../src/engine/model/gpt2Config.ts";
import type { Gpt2Weights } from "../src/engine/model/gpt2Weights.ts";
import { transcoderSites } from "../src/engine/model/hooks.ts";
import { processWeights } from "../src/engine/model/processWeights.ts";
import { randomGpt2Weights } from "../src/engine/model/randomGpt2.ts";
import { StreamSession } from "../src/engine/stream/streamSession.ts";
import { SequenceSource } from "../src/engine/stream/tokenCorpus.ts";
import { GpuDictionary } from "../src/engine/train/gpuDictionary.ts";
import { DictionaryTrainer } from "../src/engine/train/trainer.ts";
import { loadBuiltinCorpus } from "../src/node/builtinCorpus.ts";
import { loadModelFolder } from "../src/node/modelFolder.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "builtin" },
    layer: { type: "string", default: "1" },
    batch: { type: "string", default: "512" },
    "d-sae": { type: "string", default: "1024" },
    steps: { type: "string", default: "8" },
  },
  strict: true,
});
const layer = Number(values.layer);
const batch = Number(values.batch);
const dSae = Number(values["d-sae"]);
const steps = Number(values.steps);

/** Random checkpoints: GPT-2 small's widths, or a tiny model (dry runs) with the same vocabulary. */
const RANDOM_MODELS: Record<string, Omit<Gpt2Config, "nLayer">> = {
  "random-gpt2-small": {
    vocabSize: 50257,
    nCtx: 1024,
    dModel: 768,
    nHead: 12,
    dHead: 64,
    dMlp: 3072,
    lnEps: 1e-5,
    activation: "gelu_new",
  },
  "random-tiny": {
    vocabSize: 50257,
    nCtx: 32,
    dModel: 16,
    nHead: 2,
    dHead: 8,
    dMlp: 64,
    lnEps: 1e-5,
    activation: "gelu_new",
  },
};

async function loadModel(model: string): Promise<Gpt2Weights> {
  const config = RANDOM_MODELS[model];
  if (!config) return loadModelFolder(model, { processing: true });
  // Only the layers up to L run: the ones past it would only take time to make.
  return processWeights(randomGpt2Weights({ ...config, nLayer: layer + 1 }, 1));
}

const { device, adapterName } = await acquireNodeDevice();
const shaders = loadNodeShaders();
const loadStart = performance.now();
const weights = await loadModel(values.model);
const modelLoadSeconds = (performance.now() - loadStart) / 1000;

const corpus = await loadBuiltinCorpus();
const T = weights.config.nCtx;
const seqsPerForward = Math.max(1, Math.floor(1024 / T));
const rows = seqsPerForward * T;
const model = new GpuGpt2(device, shaders, weights, rows);
const { input, output } = transcoderSites(layer);
const idle = () => device.queue.onSubmittedWorkDone();

// 1. The model alone, capturing both sites, as the store's refill does.
const source = new SequenceSource(corpus, corpus.train, T, false);
const bx = createBuffer(device, "x", rows * weights.config.dModel * 4);
const by = createBuffer(device, "y", rows * weights.config.dModel * 4);
const forward = () => {
  model.setTokens(source.next(seqsPerForward));
  const encoder = device.createCommandEncoder();
  model.encodeForward(encoder, {
    nSeq: seqsPerForward,
    seqLen: T,
    lastLayer: layer,
    handlers: [captureHook(input, bx), captureHook(output, by)],
  });
  device.queue.submit([encoder.finish()]);
};
forward();
await idle();
const forwards = Math.max(2, Math.ceil((steps * batch) / rows));
let start = performance.now();
for (let i = 0; i < forwards; i++) forward();
await idle();
const modelForward = (forwards * rows) / ((performance.now() - start) / 1000);

const schedule = {
  totalSteps: steps + 1,
  lr: 3e-3,
  lrWarmUpSteps: 0,
  lrDecaySteps: 0,
  l1Coefficient: 0.3,
  l1WarmUpSteps: 0,
};

// 2. A transcoder trained on the stream (the first step, which fills the store, is not timed).
const session = await StreamSession.create(
  device,
  shaders,
  model,
  corpus,
  [
    {
      id: "transcoder",
      kind: "transcoder",
      layer,
      dSae,
      seed: 0,
      normalize: "none",
      applyBDecToInput: false,
      schedule,
      deadFeatureWindow: 1000,
      featureSamplingWindow: 0,
    },
  ],
  {
    batchSize: batch,
    bufferBatches: 20,
    seqsPerForward,
    contextSize: T,
    prependBos: false,
    excludeSpecialTokens: true,
    storeSeed: 0,
    logEvery: 1_000_000,
    modelName: values.model,
    datasetPath: "builtin",
  },
);
await session.step();
await idle();
const generatedBefore = session.store.tokensGenerated;
start = performance.now();
while (!session.finished) await session.step();
await idle();
const streamSeconds = (performance.now() - start) / 1000;
const streamTraining = (steps * batch) / streamSeconds;
const modelTokensDuringTraining = session.store.tokensGenerated - generatedBefore;
const spec = session.dictionaries[0]!.spec;
session.destroy();

// 3. The same transcoder on batches uploaded from the host (no model in the loop).
const gpu = new GpuDictionary(device, shaders, spec, batch);
gpu.setParams(initDictionary(spec, 0));
gpu.resetOptimizer();
const trainer = new DictionaryTrainer(gpu, {
  schedule,
  logEvery: 1_000_000,
  deadFeatureWindow: 1000,
  densityWindow: 0,
  sIn: 1,
  sOut: 1,
});
const x = new Float32Array(batch * spec.dIn).map((_, i) => Math.sin(i));
const y = new Float32Array(batch * spec.dOut).map((_, i) => Math.cos(i));
await trainer.step(x, y);
await idle();
start = performance.now();
while (!trainer.finished) await trainer.step(x, y);
await idle();
const fileTraining = (steps * batch) / ((performance.now() - start) / 1000);
gpu.destroy();
model.destroy();

const round = (v: number) => Math.round(v * 10) / 10;
process.stdout.write(
  JSON.stringify(
    {
      adapter: adapterName,
      model: values.model,
      d_model: weights.config.dModel,
      n_layer: weights.config.nLayer,
      model_load_s: Math.round(modelLoadSeconds * 10) / 10,
      layer,
      batch,
      d_sae: dSae,
      steps,
      tokens_per_forward: rows,
      model_forward_tokens_per_s: round(modelForward),
      stream_training_tokens_per_s: round(streamTraining),
      model_tokens_during_timed_training: modelTokensDuringTraining,
      host_batch_training_tokens_per_s: round(fileTraining),
      stream_training_vs_host_batches: Number((streamTraining / fileTraining).toFixed(3)),
    },
    null,
    2,
  ) + "\n",
);
process.exit(0);
