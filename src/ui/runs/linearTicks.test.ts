import { describe, expect, it } from "vitest";
import { linearAxisTicks } from "./linearTicks.ts";

describe("linearAxisTicks", () => {
  it("keeps a ce_loss_score axis on [0, 1] when every score is in it", () => {
    // Issue 20's run: 0.906 / 0.354 from the chart and 0.964 / 0.739 from the results.
    expect(linearAxisTicks([0.906, 0.354, 0.964, 0.739], [0, 1])).toEqual({
      domain: [0, 1],
      ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    });
    expect(linearAxisTicks([], [0, 1]).domain).toEqual([0, 1]);
  });

  it("widens to a score past either end at a round step", () => {
    expect(linearAxisTicks([-0.3, 0.8], [0, 1])).toEqual({
      domain: [-0.5, 1],
      ticks: [-0.5, 0, 0.5, 1],
    });
    expect(linearAxisTicks([1.02, undefined, Number.NaN], [0, 1])).toEqual({
      domain: [0, 1.25],
      ticks: [0, 0.25, 0.5, 0.75, 1, 1.25],
    });
  });

  it("gives FVU a round top above its largest value", () => {
    expect(linearAxisTicks([0.35, 0.12], [0])).toEqual({
      domain: [0, 0.4],
      ticks: [0, 0.1, 0.2, 0.3, 0.4],
    });
    expect(linearAxisTicks([0], [0])).toEqual({
      domain: [0, 1],
      ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    });
  });
});
