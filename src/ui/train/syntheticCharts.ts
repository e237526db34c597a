/** The live ground-truth curves of synthetic runs, as the metric charts draw them. */
import type { LiveTruthPoint } from "../../engine/stream/syntheticGroundTruth.ts";
import type { SyntheticEvalResult } from "../../engine/synthetic/metrics.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import { dictionaryLook } from "./dictionaryLook.ts";
import type { Series } from "./MetricChart.tsx";

export interface TruthMetric {
  live: (p: LiveTruthPoint) => number;
  final: (m: SyntheticEvalResult) => number;
}

export const MCC: TruthMetric = { live: (p) => p.mcc, final: (m) => m.mcc };
export const F1: TruthMetric = {
  live: (p) => p.f1_score,
  final: (m) => m.classification.f1_score,
};

/** Each dictionary's live points and, once measured, the final value (◆) at the run's step. */
export function truthSeries(runs: RunRecord[], metric: TruthMetric): Series[] {
  return runs.flatMap((run, age) => {
    const ids = new Set([...Object.keys(run.truthPoints ?? {}), ...Object.keys(run.truth ?? {})]);
    return [...ids].map((id) => {
      const final = run.truth?.[id];
      return {
        key: `${run.id}-${id}-truth`,
        ...dictionaryLook(run.config, id),
        runLabel: run.label,
        age,
        points: (run.truthPoints?.[id] ?? []).map((p) => ({
          tokens: p.step * run.config.batchSize,
          value: metric.live(p),
        })),
        ...(final
          ? {
              final: {
                tokens: run.step * run.config.batchSize,
                value: metric.final(final.metrics),
              },
            }
          : {}),
      };
    });
  });
}

/** "evaluation stream · ◆ final 4096 samples": where the points come from. */
export function truthNote(run: RunRecord | undefined): string {
  const final = run && Object.values(run.truth ?? {})[0]?.samples;
  return ["evaluation stream", final !== undefined ? `◆ final ${final} samples` : ""]
    .filter(Boolean)
    .join(" · ");
}
