/** What a run on a synthetic model says beyond a model run: its ground-truth metrics. */
import type { LiveTruthPoint } from "../engine/stream/syntheticGroundTruth.ts";
import type { SyntheticEvalResult } from "../engine/synthetic/metrics.ts";
import type { SimilarityHeatmap } from "../engine/synthetic/similarity.ts";
import type { SyntheticPresetName } from "../engine/synthetic/syntheticPresets.ts";

/** What a run trains on: the built-in model's activations, or a synthetic model's x (and y). */
export type RunData = { kind: "model" } | { kind: "synthetic"; preset: SyntheticPresetName };

/** A dictionary's ground truth at the end of a run (or of Evaluate on a stopped one). */
export interface FinalTruth {
  metrics: SyntheticEvalResult;
  samples: number;
  /** plot_sae_feature_similarity's matrix, latents reordered by the matching. */
  heatmap?: SimilarityHeatmap;
}

export type SyntheticFromWorker =
  /** Every dictionary's live ground truth at one step, measured on the evaluation stream. */
  | {
      type: "live-truth";
      runId: string;
      step: number;
      tokens: number;
      entries: { dictionary: string; point: LiveTruthPoint }[];
      /** Steps between live evaluations, as chosen. */
      every: number;
      samples: number;
    }
  | { type: "truth"; runId: string; dictionary: string; truth: FinalTruth };

/** The synthetic preset a run trains on, or undefined for the model. */
export function syntheticPresetOf(config: { data?: RunData }): SyntheticPresetName | undefined {
  return config.data?.kind === "synthetic" ? config.data.preset : undefined;
}
