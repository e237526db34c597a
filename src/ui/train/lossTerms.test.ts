import { describe, expect, it } from "vitest";
import type { MetricPoint } from "../../storage/runRecord.ts";
import { lossTermsOf } from "./lossTerms.ts";

function point(step: number, extra: Partial<MetricPoint>): MetricPoint {
  return {
    step,
    tokens: step * 64,
    tokensPerSecond: 1,
    mse_loss: 0.5 / step,
    l1_loss: 0,
    loss: 0,
    l0: 4,
    explained_variance: 0.5,
    fvu: 0.5,
    dead_features: 0,
    grad_norm: 1,
    lr: 3e-3,
    l1_coefficient: 0,
    ...extra,
  };
}

const terms = (points: MetricPoint[]) =>
  lossTermsOf(points).map((t) => [t.label, t.line, points.map(t.pick)]);

describe("lossTermsOf", () => {
  it("plots a standard run's MSE and L1", () => {
    const points = [point(1, { l1_loss: 0.2 }), point(2, { l1_loss: 0.1 })];
    expect(terms(points)).toEqual([
      ["MSE", "solid", [0.5, 0.25]],
      ["L1", "dashed", [0.2, 0.1]],
    ]);
  });

  it("plots TopK's AuxK term, not its zero L1", () => {
    const points = [
      point(1, { auxiliary_reconstruction_loss: 0 }),
      point(2, { auxiliary_reconstruction_loss: 0.03 }),
    ];
    expect(terms(points)).toEqual([
      ["MSE", "solid", [0.5, 0.25]],
      ["AuxK", "dashed", [0, 0.03]],
    ]);
  });

  it("plots JumpReLU's L0 term, and its pre-activation term only when it is on", () => {
    const off = [point(1, { l0_loss: 1.2 }), point(2, { l0_loss: 0.9 })];
    expect(terms(off).map(([label]) => label)).toEqual(["MSE", "L0"]);
    const on = [point(1, { l0_loss: 1.2, pre_act_loss: 0.004 })];
    expect(terms(on)).toEqual([
      ["MSE", "solid", [0.5]],
      ["L0", "dashed", [1.2]],
      ["pre-act", "dotted", [0.004]],
    ]);
  });
});
