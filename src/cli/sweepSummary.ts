import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import type { DictionaryEvaluation } from "../engine/stream/streamSession.ts";
import type { SweepValue } from "../engine/stream/sweep.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import { readsK } from "../engine/train/architecture.ts";
import type { SweepPlan } from "./sweepPlans.ts";
import type { TrainCommand } from "./trainCommand.ts";

/** One dictionary of a sweep in DIR/sweep.json and DIR/sweep.csv. */
export interface SweepRow {
  id: string;
  label: string;
  kind: string;
  layer: number;
  hook_name: string;
  hook_name_out: string;
  architecture: string;
  skip: boolean;
  swept_setting: string | null;
  swept_value: SweepValue | null;
  d_in: number;
  d_sae: number;
  k: number | null;
  l1_coefficient: number | null;
  l0_coefficient: number | null;
  lr: number;
  lr_warm_up_steps: number;
  lr_decay_steps: number;
  l1_warm_up_steps: number;
  batch_size: number;
  steps: number;
  normalize_activations: string;
  apply_b_dec_to_input: boolean;
  dead_feature_window: number;
  seed: number;
  /** The last logged training step's metrics (the training batch). */
  final_step: number | null;
  fvu: number | null;
  l0: number | null;
  dead_features: number | null;
  mse_loss: number | null;
  /** Spliced in on the held-out slice (null with --eval-sequences 0). */
  ce_loss_score: number | null;
  kl_div_score: number | null;
  ce_loss_with_sae: number | null;
  ce_loss_without_sae: number | null;
  ce_loss_with_ablation: number | null;
  eval_sequences: number | null;
}

export function sweepRow(
  p: SweepPlan,
  spec: DictionarySpec,
  cmd: Pick<TrainCommand, "batch" | "steps">,
  last: TrainingMetrics | undefined,
  evaluation: DictionaryEvaluation | undefined,
): SweepRow {
  const { member, plan } = p;
  const a = plan.architecture!;
  const topk = readsK(a);
  return {
    id: member.id,
    label: member.label,
    kind: member.kind,
    layer: member.layer,
    hook_name: spec.hookName,
    hook_name_out: spec.hookNameOut,
    architecture: a.architecture,
    skip: spec.skip === true,
    swept_setting: member.setting ?? null,
    swept_value: member.value ?? null,
    d_in: spec.dIn,
    d_sae: spec.dSae,
    k: topk ? a.k : null,
    l1_coefficient: a.architecture === "standard" ? plan.schedule.l1Coefficient : null,
    l0_coefficient: a.architecture === "jumprelu" ? a.l0Coefficient : null,
    lr: plan.schedule.lr,
    lr_warm_up_steps: plan.schedule.lrWarmUpSteps,
    lr_decay_steps: plan.schedule.lrDecaySteps,
    l1_warm_up_steps: plan.schedule.l1WarmUpSteps,
    batch_size: cmd.batch,
    steps: cmd.steps,
    normalize_activations: plan.normalize,
    apply_b_dec_to_input: spec.applyBDecToInput,
    dead_feature_window: plan.deadFeatureWindow,
    seed: plan.seed,
    final_step: last?.step ?? null,
    fvu: last?.fvu ?? null,
    l0: last?.l0 ?? null,
    dead_features: last?.dead_features ?? null,
    mse_loss: last?.mse_loss ?? null,
    ce_loss_score: evaluation?.ce_loss_score ?? null,
    kl_div_score: evaluation?.kl_div_score ?? null,
    ce_loss_with_sae: evaluation?.ce_loss_with_sae ?? null,
    ce_loss_without_sae: evaluation?.ce_loss_without_sae ?? null,
    ce_loss_with_ablation: evaluation?.ce_loss_with_ablation ?? null,
    eval_sequences: evaluation?.sequences ?? null,
  };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per dictionary, the columns in SweepRow's order. */
export function sweepCsv(rows: readonly SweepRow[]): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]!) as (keyof SweepRow)[];
  const lines = [columns.join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(","));
  return lines.join("\n") + "\n";
}
