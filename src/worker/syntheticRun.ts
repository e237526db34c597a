/**
 * The synthetic side of a page run: the model built from its preset, one SyntheticStreamSession
 * for every dictionary, and the evaluation stream its ground truth is measured on (live, and at
 * the end with plot_sae_feature_similarity's heatmap).
 */
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import type { DictionaryPlan } from "../engine/stream/streamSession.ts";
import {
  FINAL_TRUTH_SAMPLES,
  liveTruthPoint,
  LIVE_TRUTH_SAMPLES,
  SyntheticGroundTruth,
} from "../engine/stream/syntheticGroundTruth.ts";
import { SyntheticStreamSession } from "../engine/stream/syntheticSession.ts";
import { DEFAULT_HEATMAP_LIMITS } from "../engine/synthetic/similarity.ts";
import { buildSyntheticModelOnDevice } from "../engine/synthetic/gpuOrthogonalizeModel.ts";
import { syntheticPreset, type SyntheticPresetName } from "../engine/synthetic/syntheticPresets.ts";
import type { FinalTruth } from "./syntheticProtocol.ts";
import type { LiveTruthPoint } from "../engine/stream/syntheticGroundTruth.ts";

/**
 * Samples of one live point. tiny (384 features) is for seconds-long runs on a software
 * adapter: one evaluation batch keeps a point near a few training steps there.
 */
export function liveTruthSamples(preset: SyntheticPresetName): number {
  return preset === "tiny" ? 1024 : LIVE_TRUTH_SAMPLES;
}

/**
 * Samples of the final metrics: eval_sae_on_synthetic_data's 100,000, except tiny's 4,096: on
 * SwiftShader each 1,024 samples of one dictionary cost about a second (measured in Node on 2
 * shared cores), and tiny is the preset of seconds-long runs and of the e2e test.
 */
export function finalTruthSamples(preset: SyntheticPresetName): number {
  return preset === "tiny" ? 4096 : FINAL_TRUTH_SAMPLES;
}

/** The name the run's dictionaries record as model_name and dataset_path. */
export function syntheticSourceOf(preset: SyntheticPresetName): string {
  return `synthetic:${preset}`;
}

export interface SyntheticRunParts {
  session: SyntheticStreamSession;
  truth: SyntheticGroundTruth;
  destroy: () => void;
}

/** Builds the preset's model (with output vectors when a transcoder trains) and the session. */
export async function createSyntheticRun(
  device: GPUDevice,
  shaders: ShaderLibrary,
  preset: SyntheticPresetName,
  plans: readonly DictionaryPlan[],
  options: { batchSize: number; logEvery: number },
): Promise<SyntheticRunParts> {
  const config = syntheticPreset(preset);
  const transcoder = plans.some((p) => p.kind === "transcoder");
  const model = await buildSyntheticModelOnDevice(
    device,
    shaders,
    config,
    transcoder ? { outputDim: config.hidden_dim } : {},
  );
  const session = await SyntheticStreamSession.create(
    device,
    shaders,
    model,
    plans.map(({ layer: _layer, hook: _hook, ...plan }) => plan),
    { ...options, sourceName: syntheticSourceOf(preset) },
  );
  const truth = SyntheticGroundTruth.create(device, shaders, model);
  return {
    session,
    truth,
    destroy: () => {
      truth.destroy();
      session.destroy();
    },
  };
}

/** Every dictionary's live point as it trains (a BatchTopK one selecting over the batch). */
export async function liveTruth(
  parts: SyntheticRunParts,
  preset: SyntheticPresetName,
  step: number,
  signal: AbortSignal,
): Promise<{ dictionary: string; point: LiveTruthPoint }[]> {
  const results = await parts.session.evaluateTruth(parts.truth, {
    samples: liveTruthSamples(preset),
    training: true,
    signal,
  });
  return results.map(({ id, result }) => ({
    dictionary: id,
    point: liveTruthPoint(step, result.metrics),
  }));
}

/** A saved dictionary's final ground truth, with the similarity heatmap. */
export async function finalTruth(
  truth: SyntheticGroundTruth,
  preset: SyntheticPresetName,
  dict: { spec: DictionarySpec; params: DictionaryParams },
  signal: AbortSignal,
): Promise<FinalTruth> {
  const result = await truth.evaluate(dict, {
    samples: finalTruthSamples(preset),
    heatmap: DEFAULT_HEATMAP_LIMITS,
    signal,
  });
  return {
    metrics: result.metrics,
    samples: result.samples,
    ...(result.heatmap ? { heatmap: result.heatmap } : {}),
  };
}

/** The evaluation stream of a stopped run's preset, for Evaluate on its saved weights. */
export async function truthFor(
  device: GPUDevice,
  shaders: ShaderLibrary,
  preset: SyntheticPresetName,
  transcoder: boolean,
): Promise<SyntheticGroundTruth> {
  const config = syntheticPreset(preset);
  const model = await buildSyntheticModelOnDevice(
    device,
    shaders,
    config,
    transcoder ? { outputDim: config.hidden_dim } : {},
  );
  return SyntheticGroundTruth.create(device, shaders, model);
}
