import type {
  DictionaryKind,
  DictionaryParams,
  DictionarySpec,
  NormalizeActivations,
} from "../dictionary/spec.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import {
  exportedActivation,
  initialParams,
  STANDARD,
  type ArchitectureOptions,
} from "../train/architecture.ts";
import { GpuDictionary } from "../train/gpuDictionary.ts";
import { foldNormalization } from "../train/normalization.ts";
import type { Schedule } from "../train/schedule.ts";
import { DictionaryTrainer } from "../train/trainer.ts";
import type { TrainedDictionary } from "./dictionarySession.ts";

/** One dictionary for a session to train, whatever stream feeds it. */
export interface DictionaryTrainingPlan {
  /** Names it in metrics and messages, e.g. "sae" or "transcoder". */
  id: string;
  kind: DictionaryKind;
  dSae: number;
  seed: number;
  normalize: NormalizeActivations;
  applyBDecToInput: boolean;
  schedule: Schedule;
  deadFeatureWindow: number;
  featureSamplingWindow: number;
  /** Start from these weights (raw-activation space) instead of a fresh initialization. */
  init?: DictionaryParams;
  /** How it trains (default: standard, ReLU + L1). */
  architecture?: ArchitectureOptions;
  /** A transcoder with a skip connection. */
  skip?: boolean;
}

/** The sites a dictionary reads and writes, and their widths. */
export type DictionarySites = Pick<DictionarySpec, "dIn" | "dOut" | "hookName" | "hookNameOut">;

/** What a dictionary records of the stream it was trained on. */
export type StreamProvenance = Pick<
  DictionarySpec,
  "modelName" | "contextSize" | "prependBos" | "excludeSpecialTokens" | "datasetPath"
>;

/** The spec of the dictionary `plan` trains at `sites`. */
export function planSpec(
  plan: DictionaryTrainingPlan,
  sites: DictionarySites,
  provenance: StreamProvenance,
): DictionarySpec {
  const activation = exportedActivation(plan.architecture ?? STANDARD);
  const { modelName, ...data } = provenance;
  return {
    kind: plan.kind,
    dIn: sites.dIn,
    dSae: plan.dSae,
    dOut: sites.dOut,
    applyBDecToInput: plan.kind === "sae" && plan.applyBDecToInput,
    hookName: sites.hookName,
    hookNameOut: sites.hookNameOut,
    modelName,
    normalizeActivations: plan.normalize,
    ...data,
    ...(activation.kind === "relu" ? {} : { activation }),
    ...(plan.skip ? { skip: true } : {}),
  };
}

/**
 * The trainer of `plan`'s dictionary, from its initial weights. With expected_average_only_in
 * it trains on activations divided by `siteScales` of its input and target sites.
 */
export function createTrainedDictionary(
  device: GPUDevice,
  shaders: ShaderLibrary,
  plan: DictionaryTrainingPlan,
  spec: DictionarySpec,
  options: { batchSize: number; logEvery: number },
  siteScales: ReadonlyMap<string, number>,
): TrainedDictionary {
  const architecture = plan.architecture ?? STANDARD;
  const normalized = plan.normalize === "expected_average_only_in";
  const sIn = normalized ? siteScales.get(spec.hookName)! : 1;
  const sOut = normalized ? siteScales.get(spec.hookNameOut)! : 1;
  const gpu = new GpuDictionary(device, shaders, spec, options.batchSize, architecture);
  try {
    // Fresh weights act on normalized activations already; imported ones on raw ones.
    const start = plan.init
      ? foldNormalization(plan.init, 1 / sIn, 1 / sOut)
      : initialParams(spec, architecture, plan.seed);
    if (plan.skip && !start.wSkip) start.wSkip = new Float32Array(spec.dOut * spec.dIn);
    gpu.setParams(start);
    gpu.resetOptimizer();
  } catch (err) {
    gpu.destroy();
    throw err;
  }
  const trainer = new DictionaryTrainer(gpu, {
    schedule: plan.schedule,
    logEvery: options.logEvery,
    deadFeatureWindow: plan.deadFeatureWindow,
    densityWindow: plan.featureSamplingWindow,
    sIn,
    sOut,
  });
  return { id: plan.id, spec, trainer };
}
