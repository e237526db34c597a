import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { hookName } from "../engine/model/hooks.ts";
import { StreamSession, type DictionaryPlan } from "../engine/stream/streamSession.ts";
import type { TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import type { FromWorker, StreamRunConfig } from "./protocol.ts";

/** Tokens per forward pass of the model while streaming (whole sequences). */
export const STREAM_ROWS_PER_FORWARD = 1024;

/**
 * Trains the run's dictionaries together on the model's activation stream, posting metrics on
 * logging steps (the only read-backs), then the spliced-in metrics of each.
 */
export async function runStream(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  corpus: TokenCorpus,
  modelName: string,
  runId: string,
  c: StreamRunConfig,
  post: (m: FromWorker) => void,
  stopped: () => boolean,
): Promise<void> {
  if (c.dictionaries.length === 0) throw new Error("choose at least one dictionary to train");
  const contextSize = model.config.nCtx;
  const plans: DictionaryPlan[] = c.dictionaries.map((d) => ({
    id: d.kind,
    kind: d.kind,
    layer: c.layer,
    hook: d.kind === "sae" ? hookName(c.layer, d.site ?? "hook_resid_pre") : undefined,
    dSae: d.dSae,
    seed: c.seed,
    normalize: c.normalize,
    applyBDecToInput: true,
    schedule: {
      totalSteps: c.steps,
      lr: d.lr,
      lrWarmUpSteps: 0,
      lrDecaySteps: 0,
      l1Coefficient: d.l1Coefficient,
      l1WarmUpSteps: 0,
    },
    deadFeatureWindow: 1000,
    featureSamplingWindow: 0,
  }));
  post({ type: "status", runId, message: "filling the activation store…" });
  const session = await StreamSession.create(device, shaders, model, corpus, plans, {
    batchSize: c.batchSize,
    bufferBatches: 20,
    seqsPerForward: Math.max(1, Math.floor(STREAM_ROWS_PER_FORWARD / contextSize)),
    contextSize,
    prependBos: false,
    excludeSpecialTokens: true,
    storeSeed: c.seed,
    logEvery: c.logEvery,
    modelName,
    datasetPath: "builtin:brown (train slice)",
  });
  try {
    post({ type: "status", runId, message: "training" });
    const started = performance.now();
    let since = started;
    let stepsSince = 0;
    let steps = 0;
    while (!session.finished && !stopped()) {
      const logged = await session.step();
      steps++;
      stepsSince++;
      if (logged.length === 0) continue;
      const now = performance.now();
      const tokensPerSecond = (stepsSince * c.batchSize) / ((now - since) / 1000);
      const streamTokensPerSecond = session.store.tokensGenerated / ((now - started) / 1000);
      for (const { id, metrics } of logged) {
        post({
          type: "metrics",
          runId,
          dictionary: id,
          metrics,
          tokensPerSecond,
          streamTokensPerSecond,
        });
      }
      since = now;
      stepsSince = 0;
    }
    if (c.evalSequences > 0 && !stopped()) {
      post({ type: "status", runId, message: "evaluating with the dictionaries spliced in…" });
      for (const { id, metrics } of await session.evaluate(
        device,
        shaders,
        corpus,
        c.evalSequences,
      )) {
        post({ type: "eval", runId, dictionary: id, metrics });
      }
    }
    post({ type: "done", runId, steps });
  } finally {
    session.destroy();
  }
}
