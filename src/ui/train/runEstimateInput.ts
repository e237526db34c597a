import type { EstimateDictionary, RunEstimateInput } from "../../engine/stream/runEstimate.ts";
import {
  LIVE_EVAL_WINDOWS,
  type AdapterInfo,
  type ModelInfo,
  type StreamRunConfig,
} from "../../worker/protocol.ts";
import { LIVE_EVAL_SHARE, MIN_LIVE_POINTS } from "../../worker/runProgress.ts";

/** streamRun.ts's STREAM_ROWS_PER_FORWARD and RUN_CONTEXT_MAX (a test keeps them equal). */
export const ESTIMATE_ROWS_PER_FORWARD = 1024;
export const ESTIMATE_CONTEXT_MAX = 128;
/** normScales.ts's NORM_SCALE_WINDOWS: sequences run to estimate the normalization scales. */
export const ESTIMATE_NORM_WINDOWS = 32;

/**
 * What the worker would allocate and run for this (expanded) config on this model and adapter:
 * the store's shape as StreamRun.run sets it, each dictionary's widths from the model.
 */
export function runEstimateInput(
  c: StreamRunConfig,
  model: Pick<ModelInfo, "nLayer" | "dModel" | "dMlp" | "nHead" | "vocabSize" | "nCtx">,
  adapter: AdapterInfo,
): RunEstimateInput {
  const contextSize = Math.min(model.nCtx, ESTIMATE_CONTEXT_MAX);
  const seqsPerForward = Math.max(1, Math.floor(ESTIMATE_ROWS_PER_FORWARD / contextSize));
  const d = model.dModel;
  const dictionaries = c.dictionaries.map((x): EstimateDictionary => {
    const layer = x.layer ?? c.layer;
    return {
      id: x.id ?? x.kind,
      kind: x.kind,
      layer,
      ...(x.kind === "sae" ? { hook: `blocks.${layer}.${x.site ?? "hook_resid_pre"}` } : {}),
      dIn: d,
      dSae: x.dSae,
      dOut: d,
      architecture: x.architecture ?? "standard",
      ...(x.k !== undefined ? { k: x.k } : {}),
      ...(x.kind === "transcoder" && x.skip ? { skip: true } : {}),
    };
  });
  return {
    dictionaries,
    batchSize: c.batchSize,
    steps: c.steps,
    model,
    contextSize,
    seqsPerForward,
    bufferBatches: Math.max(20, 2 * Math.ceil(c.batchSize / (seqsPerForward * contextSize))),
    ...(c.normalize === "expected_average_only_in"
      ? { normTokens: ESTIMATE_NORM_WINDOWS * contextSize }
      : {}),
    evalSequences: Math.max(0, c.evalSequences),
    // With the period automatic, about a tenth of the time but at least MIN_LIVE_POINTS points.
    liveEvalShare: c.liveEvalEvery > 0 ? 0 : LIVE_EVAL_SHARE,
    liveEvalSequences:
      LIVE_EVAL_WINDOWS *
      (c.liveEvalEvery > 0
        ? Math.floor(c.steps / c.liveEvalEvery)
        : Math.min(MIN_LIVE_POINTS, Math.floor(c.steps / (MIN_LIVE_POINTS + 1)))),
    limits: {
      maxBufferSize: adapter.maxBufferSize,
      maxStorageBufferBindingSize: adapter.maxStorageBufferBindingSize,
      ...(adapter.memoryBytes ? { memoryBytes: adapter.memoryBytes } : {}),
      ...(adapter.deviceMemoryGb
        ? { memoryBasis: `a guess: half this machine's ${adapter.deviceMemoryGb} GB` }
        : {}),
    },
    ...(adapter.flopsPerSecond ? { flopsPerSecond: adapter.flopsPerSecond } : {}),
  };
}
