/** The points of Runs's Pareto charts: one per dictionary of each run, where it ended. */
import { runTitle } from "../../storage/runNames.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import type { StreamArchitecture } from "../../worker/protocol.ts";
import { describeArchitecture } from "../state/defaults.ts";
import { truthOf } from "../train/syntheticTruth.ts";

export interface ParetoPoint {
  run: string;
  kind: string;
  arch: StreamArchitecture;
  /** "TopK k 4", "JumpReLU L0 coef 0.1, skip"... */
  architecture: string;
  l0: number;
  ce: number | undefined;
  fvu: number;
  /** A dictionary of a synthetic run: its ground truth (the final one, else the last live). */
  truth?: { f1: number; mcc: number; l0: number; final: boolean };
}

/** A point of the F1 panel: L0 and F1 as measured together on the evaluation stream. */
export type F1Point = ParetoPoint & { f1: number; truthFinal: boolean };

/** Each run's final point per dictionary: L0, FVU, ce_loss_score (final eval, else live), truth. */
export function paretoPoints(runs: RunRecord[]): ParetoPoint[] {
  return runs.flatMap((run) =>
    Object.entries(run.histories).flatMap(([id, h]) => {
      const last = h[h.length - 1];
      if (!last || !(last.l0 > 0)) return [];
      const live = run.liveEvals[id];
      const ce = run.evals[id]?.ce_loss_score ?? live?.[live.length - 1]?.ce_loss_score;
      const d = run.config.dictionaries.find((x) => x.id === id);
      const truth = truthOf(run, id);
      return [
        {
          run: `${runTitle(run)} · ${d?.label ?? run.label}`,
          kind: d?.kind ?? id,
          arch: d?.architecture ?? "standard",
          architecture: d ? describeArchitecture(d) : "",
          l0: last.l0,
          ce,
          fvu: last.fvu,
          ...(truth ? { truth } : {}),
        },
      ];
    }),
  );
}

/**
 * The dictionaries with ground truth, at the L0 their F1 was measured at (on the evaluation
 * stream, the same samples), so that both coordinates are of one measurement.
 */
export function f1Points(points: ParetoPoint[]): F1Point[] {
  return points.flatMap((p) =>
    p.truth && p.truth.l0 > 0
      ? [{ ...p, l0: p.truth.l0, f1: p.truth.f1, truthFinal: p.truth.final }]
      : [],
  );
}
