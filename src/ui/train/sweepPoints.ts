/** The points of a sweep's live frontier: each dictionary of the run where it is now. */
import { last, type RunRecord } from "../../storage/runRecord.ts";
import { dictionaryLook } from "./dictionaryLook.ts";
import type { FrontierPoint } from "./frontierReadout.ts";
import { KIND_COLORS, KIND_LABELS } from "./seriesColors.ts";
import { truthOf } from "./syntheticTruth.ts";

export interface SweepPoint {
  id: string;
  kind: string;
  label: string;
  color: string;
  l0: number;
  fvu: number;
  /** The final evaluation's, else the latest live one. */
  ce?: number;
}

/** The frontier's y: ce_loss_score on the model, F1 against the planted features on synthetic data. */
export type FrontierY = "ce" | "fvu" | "f1";

export const FRONTIER_METRIC_NAMES: Record<FrontierY, "ce_loss_score" | "FVU" | "F1"> = {
  ce: "ce_loss_score",
  fvu: "FVU",
  f1: "F1",
};

/** Each dictionary of the run where it is now: latest logged L0 and FVU, latest CE score. */
export function sweepPoints(run: RunRecord): SweepPoint[] {
  return run.config.dictionaries.flatMap((d) => {
    const point = last(run.histories[d.id]);
    if (!point || !(point.l0 > 0)) return [];
    const look = dictionaryLook(run.config, d.id);
    const ce = run.evals[d.id]?.ce_loss_score ?? last(run.liveEvals[d.id])?.ce_loss_score;
    return [
      {
        id: d.id,
        kind: d.kind,
        label: look.label ?? KIND_LABELS[d.kind] ?? d.kind,
        color: look.color ?? KIND_COLORS[d.kind] ?? "#888",
        l0: point.l0,
        fvu: point.fvu,
        ...(ce !== undefined ? { ce } : {}),
      },
    ];
  });
}

/** A point of one panel: its y as `value`. */
export type PanelPoint = SweepPoint & { value: number };

/** A panel's points with its y as `value`: F1 at the L0 measured with it (evaluation stream). */
export function panelPoints(run: RunRecord, points: SweepPoint[], y: FrontierY): PanelPoint[] {
  return points.flatMap((p) => {
    if (y === "f1") {
      const truth = truthOf(run, p.id);
      return truth && truth.l0 > 0 ? [{ ...p, l0: truth.l0, value: truth.f1 }] : [];
    }
    const value = p[y];
    return value !== undefined ? [{ ...p, value }] : [];
  });
}

export const kindFrontier = (points: PanelPoint[], kind: string): FrontierPoint[] =>
  points.flatMap((p) => (p.kind === kind ? [{ l0: p.l0, value: p.value }] : []));
