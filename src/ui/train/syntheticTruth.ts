/** A synthetic run's ground truth as the page keeps and shows it. */
import type { LiveTruthPoint } from "../../engine/stream/syntheticGroundTruth.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import {
  SYNTHETIC_PRESETS,
  type SyntheticPresetName,
} from "../../engine/synthetic/syntheticPresets.ts";

/** The record's live points with one live-truth message's entries appended. */
export function withTruthPoints(
  points: Record<string, LiveTruthPoint[]> | undefined,
  m: { entries: { dictionary: string; point: LiveTruthPoint }[] },
): Record<string, LiveTruthPoint[]> {
  const next = { ...points };
  for (const { dictionary, point } of m.entries) {
    next[dictionary] = [...(next[dictionary] ?? []), point];
  }
  return next;
}

/** A dictionary's MCC and F1: the final ones when the run has them, else the last live point. */
export function truthOf(
  run: Pick<RunRecord, "truth" | "truthPoints">,
  id: string,
): { mcc: number; f1: number; l0: number; final: boolean } | undefined {
  const final = run.truth?.[id];
  if (final) {
    const m = final.metrics;
    return { mcc: m.mcc, f1: m.classification.f1_score, l0: m.sae_l0, final: true };
  }
  const last = run.truthPoints?.[id]?.at(-1);
  return last && { mcc: last.mcc, f1: last.f1_score, l0: last.sae_l0, final: false };
}

/** The presets the page offers: SynthSAEBench-16k only on a hardware adapter. */
export function offeredPresets(software: boolean): SyntheticPresetName[] {
  const all = Object.keys(SYNTHETIC_PRESETS) as SyntheticPresetName[];
  return software ? all.filter((p) => p !== "synthsaebench-16k") : all;
}

export const PRESET_LABELS: Record<SyntheticPresetName, string> = {
  tiny: "tiny (384 features in 32 dims)",
  "small-2k": "small-2k (2,048 features in 128 dims)",
  "synthsaebench-16k": "SynthSAEBench-16k (16,384 in 768)",
};
