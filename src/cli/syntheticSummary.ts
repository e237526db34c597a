/**
 * One line per dictionary of a synthetic run (DIR/synthetic.json and the printed table):
 * its settings and SAELens's ground-truth metrics, a transcoder's encoder side included.
 */
import type { SyntheticRunResult } from "../engine/synthetic/metricsRun.ts";
import { readsK } from "../engine/train/architecture.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { SweepPlan } from "./sweepPlans.ts";
import type { TrainCommand } from "./trainCommand.ts";

export interface SyntheticRow {
  id: string;
  label: string;
  kind: string;
  architecture: string;
  d_sae: number;
  k: number | null;
  l1_coefficient: number | null;
  l0_coefficient: number | null;
  lr: number;
  batch_size: number;
  steps: number;
  seed: number;
  /** The last logged training step's (training batch) L0 and FVU. */
  training_l0: number | null;
  training_fvu: number | null;
  f1_score: number;
  precision: number;
  recall: number;
  mcc: number;
  uniqueness: number;
  explained_variance: number;
  shrinkage: number;
  sae_l0: number;
  true_l0: number;
  dead_latents: number;
  encoder_mcc: number | null;
  encoder_f1_score: number | null;
  samples: number;
}

export function syntheticRow(
  p: SweepPlan,
  cmd: Pick<TrainCommand, "batch" | "steps">,
  last: TrainingMetrics | undefined,
  truth: SyntheticRunResult,
): SyntheticRow {
  const { member, plan } = p;
  const a = plan.architecture!;
  const m = truth.metrics;
  return {
    id: member.id,
    label: member.label,
    kind: member.kind,
    architecture: a.architecture,
    d_sae: plan.dSae,
    k: readsK(a) ? a.k : null,
    l1_coefficient: a.architecture === "standard" ? plan.schedule.l1Coefficient : null,
    l0_coefficient: a.architecture === "jumprelu" ? a.l0Coefficient : null,
    lr: plan.schedule.lr,
    batch_size: cmd.batch,
    steps: cmd.steps,
    seed: plan.seed,
    training_l0: last?.l0 ?? null,
    training_fvu: last?.fvu ?? null,
    f1_score: m.classification.f1_score,
    precision: m.classification.precision,
    recall: m.classification.recall,
    mcc: m.mcc,
    uniqueness: m.uniqueness,
    explained_variance: m.explained_variance,
    shrinkage: m.shrinkage,
    sae_l0: m.sae_l0,
    true_l0: m.true_l0,
    dead_latents: m.dead_latents,
    encoder_mcc: m.encoder?.mcc ?? null,
    encoder_f1_score: m.encoder?.classification.f1_score ?? null,
    samples: truth.samples,
  };
}

const COLUMNS: [string, (r: SyntheticRow) => string][] = [
  ["F1", (r) => r.f1_score.toFixed(3)],
  ["MCC", (r) => r.mcc.toFixed(3)],
  ["uniqueness", (r) => r.uniqueness.toFixed(3)],
  ["var. expl.", (r) => r.explained_variance.toFixed(3)],
  ["L0", (r) => r.sae_l0.toFixed(1)],
  ["dead", (r) => String(r.dead_latents)],
];

/** The published table's columns (F1, MCC, uniqueness, explained variance) plus L0 and dead. */
export function syntheticTable(rows: readonly SyntheticRow[]): string {
  const encoder = rows.some((r) => r.encoder_mcc !== null);
  const columns: [string, (r: SyntheticRow) => string][] = [
    ["dictionary", (r) => r.id],
    ...COLUMNS,
    ...(encoder
      ? ([
          ["enc. MCC", (r) => (r.encoder_mcc === null ? "" : r.encoder_mcc.toFixed(3))],
          ["enc. F1", (r) => (r.encoder_f1_score === null ? "" : r.encoder_f1_score.toFixed(3))],
        ] as [string, (r: SyntheticRow) => string][])
      : []),
  ];
  const cells = [columns.map(([h]) => h), ...rows.map((r) => columns.map(([, f]) => f(r)))];
  const widths = columns.map((_, c) => Math.max(...cells.map((line) => line[c]!.length)));
  return cells
    .map((line) =>
      line
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join("  "),
    )
    .join("\n");
}
