import { describe, expect, it } from "vitest";
import type { LiveTruthPoint } from "../../engine/stream/syntheticGroundTruth.ts";
import type { SyntheticEvalResult } from "../../engine/synthetic/metrics.ts";
import type { MetricPoint, RunRecord } from "../../storage/runRecord.ts";
import { SOFTWARE_DEFAULTS } from "../state/defaults.ts";
import { f1Points, paretoPoints } from "./paretoPoints.ts";

const logged = (l0: number, fvu: number): MetricPoint =>
  ({ step: 4, l0, fvu, tokens: 256, tokensPerSecond: 1 }) as MetricPoint;

const final: SyntheticEvalResult = {
  mcc: 0.6,
  uniqueness: 1,
  classification: { precision: 0.5, recall: 0.4, f1_score: 0.44, accuracy: 0.9 },
  true_l0: 3,
  sae_l0: 3.5,
  dead_latents: 0,
  shrinkage: 1,
  explained_variance: 0.7,
};

const live: LiveTruthPoint = {
  step: 2,
  mcc: 0.3,
  f1_score: 0.2,
  precision: 0.2,
  recall: 0.2,
  uniqueness: 1,
  sae_l0: 5,
  explained_variance: 0.5,
};

function run(extra: Partial<RunRecord>): RunRecord {
  return {
    id: "r1",
    name: "run 1",
    createdAt: 0,
    config: SOFTWARE_DEFAULTS,
    label: "first",
    color: 0,
    status: "done",
    step: 4,
    tokens: 256,
    histories: { sae: [logged(4, 0.5)], transcoder: [logged(6, 0.7)] },
    liveEvals: {},
    evals: {},
    changes: [],
    visible: true,
    elapsedMs: 0,
    ...extra,
  };
}

describe("Runs's Pareto points", () => {
  it("plots F1 at the L0 measured with it: the final ground truth, else the last live point", () => {
    const points = paretoPoints([
      run({
        config: { ...SOFTWARE_DEFAULTS, data: { kind: "synthetic", preset: "tiny" } },
        truth: { sae: { metrics: final, samples: 4096 } },
        truthPoints: { transcoder: [live] },
      }),
    ]);
    expect(points.map((p) => [p.kind, p.l0, p.fvu, p.ce])).toEqual([
      ["sae", 4, 0.5, undefined],
      ["transcoder", 6, 0.7, undefined],
    ]);
    expect(f1Points(points).map((p) => [p.kind, p.l0, p.f1, p.truthFinal])).toEqual([
      ["sae", 3.5, 0.44, true],
      ["transcoder", 5, 0.2, false],
    ]);
  });

  it("leaves a run on the model out of the F1 plot, and a dictionary that never fired out of all", () => {
    const points = paretoPoints([
      run({
        histories: { sae: [logged(4, 0.5)], transcoder: [logged(0, 1)] },
        evals: { sae: { ce_loss_score: 0.9 } as RunRecord["evals"][string] },
      }),
    ]);
    expect(points.map((p) => [p.kind, p.ce])).toEqual([["sae", 0.9]]);
    expect(f1Points(points)).toEqual([]);
  });
});
