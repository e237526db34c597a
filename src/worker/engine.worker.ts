/// <reference lib="webworker" />
import { initDictionary } from "../engine/dictionary/init.ts";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { bundledShaders } from "../engine/gpu/bundledShaders.ts";
import { acquireDevice, type AcquiredDevice } from "../engine/gpu/device.ts";
import { GpuDictionary } from "../engine/train/gpuDictionary.ts";
import { SyntheticActivations } from "../engine/train/syntheticActivations.ts";
import { DictionaryTrainer } from "../engine/train/trainer.ts";
import type { FromWorker, SyntheticRunConfig, ToWorker } from "./protocol.ts";

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
        lrEnd: 0,
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
        post({ type: "metrics", runId, metrics, tokensPerSecond });
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

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case "train-synthetic":
      trainSynthetic(msg.runId, msg.config).catch((err: unknown) =>
        post({ type: "error", runId: msg.runId, message: (err as Error).message ?? String(err) }),
      );
      break;
    case "stop":
      stopped.add(msg.runId);
      break;
  }
};
