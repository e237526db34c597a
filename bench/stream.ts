/**
 * npm run bench:stream [-- --model builtin|random-gpt2-small|random-tiny|DIR] [--layer L]
 *   [--batch B] [--d-sae N] [--steps S] [--buffer-batches N]
 *
 * `random-gpt2-small`: seeded random weights with GPT-2 small's widths (d 768, 12 heads, MLP 3072,
 * vocabulary 50257, context 1024) and the layers up to L (the ones the stream runs); `random-tiny`
 * the same at d 16 (dry runs).
 *
 * Throughput of the activation stream on this machine's WebGPU adapter, as JSON:
 * - model_forward: tokens/s of the model alone up to layer L, capturing the transcoder's sites;
 * - stream_training: tokens/s of a transcoder trained on the stream (store, shuffles, model);
 * - file_training: tokens/s of the same transcoder on batches uploaded from the host;
 * - dictionaries: tokens/s of 1, 4 and 8 transcoders trained together on one stream (one model
 *   forward per batch for all of them), each run's seconds per step per dictionary against the
 *   run of one alone, and the model forward's share of each run's time. The goal: 8 dictionaries
 *   cost at most 8x one dictionary's step (the host-batch step, no model) with the forward paid
 *   once, i.e. eight_vs_goal = step_s(8) / (8 * host_step_s + forward_per_step_s) <= 1;
 * and their ratios, which are what carry over between adapters (one run, one adapter).
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
    // Small, so that the store refills (the model runs) inside the timed steps: with 2, every
    // 1024 tokens trained are 1024 tokens of model forward, as in a long run.
    "buffer-batches": { type: "string", default: "2" },
  },
  strict: true,
});
const layer = Number(values.layer);
const batch = Number(values.batch);
const dSae = Number(values["d-sae"]);
const steps = Number(values.steps);
const bufferBatches = Number(values["buffer-batches"]);

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

// 2. n transcoders trained on the stream together (the first step, which fills the store, is
// not timed): n = 1 is "a transcoder trained on the stream".
async function streamRun(n: number) {
  const session = await StreamSession.create(
    device,
    shaders,
    model,
    corpus,
    Array.from({ length: n }, (_, i) => ({
      id: `transcoder.${i}`,
      kind: "transcoder" as const,
      layer,
      dSae,
      seed: i,
      normalize: "none" as const,
      applyBDecToInput: false,
      schedule,
      deadFeatureWindow: 1000,
      featureSamplingWindow: 0,
    })),
    {
      batchSize: batch,
      bufferBatches,
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
  const start = performance.now();
  while (!session.finished) await session.step();
  await idle();
  const seconds = (performance.now() - start) / 1000;
  const modelTokens = session.store.tokensGenerated - generatedBefore;
  const spec = session.dictionaries[0]!.spec;
  session.destroy();
  return { seconds, modelTokens, spec };
}
const runs = new Map<number, Awaited<ReturnType<typeof streamRun>>>();
for (const n of [1, 4, 8]) runs.set(n, await streamRun(n));
const one = runs.get(1)!;
const streamSeconds = one.seconds;
const streamTraining = (steps * batch) / streamSeconds;
const modelTokensDuringTraining = one.modelTokens;
const spec = one.spec;

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
const hostSeconds = (performance.now() - start) / 1000;
const fileTraining = (steps * batch) / hostSeconds;
gpu.destroy();
model.destroy();

const round = (v: number) => Math.round(v * 10) / 10;
const ratio = (v: number) => Number(v.toFixed(3));
const hostStep = hostSeconds / steps;
const dictionaries = [...runs.entries()].map(([n, r]) => {
  const step = r.seconds / steps;
  // The model's time in this run: the tokens it ran over at the forward's measured rate.
  const forwardSeconds = r.modelTokens / modelForward;
  return {
    dictionaries: n,
    tokens_per_s: round((steps * batch) / r.seconds),
    step_s: Number(step.toPrecision(4)),
    cost_per_dictionary_vs_one_alone: ratio(step / n / (one.seconds / steps)),
    step_vs_n_times_one_alone: ratio(step / (n * (one.seconds / steps))),
    model_forward_share: ratio(Math.min(1, forwardSeconds / r.seconds)),
    model_tokens_during_timed_training: r.modelTokens,
    vs_goal: ratio(step / (n * hostStep + forwardSeconds / steps)),
  };
});
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
      buffer_batches: bufferBatches,
      d_sae: dSae,
      steps,
      tokens_per_forward: rows,
      model_forward_tokens_per_s: round(modelForward),
      stream_training_tokens_per_s: round(streamTraining),
      model_tokens_during_timed_training: modelTokensDuringTraining,
      host_batch_training_tokens_per_s: round(fileTraining),
      stream_training_vs_host_batches: Number((streamTraining / fileTraining).toFixed(3)),
      host_step_s: Number(hostStep.toPrecision(4)),
      dictionaries,
      eight_within_goal: dictionaries[2]!.vs_goal <= 1,
    },
    null,
    2,
  ) + "\n",
);
process.exit(0);
