import type { MetricPoint } from "../../storage/runRecord.ts";

/** How a loss term is drawn: MSE solid, the sparsity term dashed, JumpReLU's pre-act dotted. */
export type LineStyle = "solid" | "dashed" | "dotted";

export interface LossTerm {
  /** Short name on the chart: "MSE", "L1", "L0", "AuxK", "pre-act". */
  label: string;
  line: LineStyle;
  pick: (p: MetricPoint) => number;
}

const MSE: LossTerm = { label: "MSE", line: "solid", pick: (p) => p.mse_loss };
const L1: LossTerm = { label: "L1", line: "dashed", pick: (p) => p.l1_loss };
const L0: LossTerm = { label: "L0", line: "dashed", pick: (p) => p.l0_loss ?? 0 };
const AUXK: LossTerm = {
  label: "AuxK",
  line: "dashed",
  pick: (p) => p.auxiliary_reconstruction_loss ?? 0,
};
const PRE_ACT: LossTerm = { label: "pre-act", line: "dotted", pick: (p) => p.pre_act_loss ?? 0 };

/**
 * The loss terms a dictionary's logged points carry: MSE, the one sparsity term its
 * architecture has (L1 for standard, L0 for JumpReLU, AuxK for TopK and BatchTopK), and
 * JumpReLU's pre-activation term when it is on. Terms an architecture lacks are left out
 * rather than drawn as zeros.
 */
export function lossTermsOf(points: readonly MetricPoint[]): LossTerm[] {
  const has = (key: keyof MetricPoint) => points.some((p) => p[key] !== undefined);
  const sparsity = has("l0_loss") ? L0 : has("auxiliary_reconstruction_loss") ? AUXK : L1;
  return [MSE, sparsity, ...(has("pre_act_loss") ? [PRE_ACT] : [])];
}
