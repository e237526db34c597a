import { describe, expect, it } from "vitest";
import { l1CoefficientAt, learningRateAt, type Schedule } from "./schedule.ts";

const base: Schedule = {
  totalSteps: 100,
  lr: 1e-3,
  lrWarmUpSteps: 0,
  lrDecaySteps: 0,
  lrEnd: 0,
  l1Coefficient: 5,
  l1WarmUpSteps: 0,
};

describe("schedules", () => {
  it("constant by default", () => {
    for (const step of [0, 1, 50, 99]) {
      expect(learningRateAt(base, step)).toBe(1e-3);
      expect(l1CoefficientAt(base, step)).toBe(5);
    }
  });

  it("learning-rate warm-up from lr / W to lr over W steps (torch LinearLR)", () => {
    const s = { ...base, lrWarmUpSteps: 5 };
    expect(learningRateAt(s, 0)).toBeCloseTo(2e-4, 12);
    expect(learningRateAt(s, 2)).toBeCloseTo(6e-4, 12);
    expect(learningRateAt(s, 4)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(s, 5)).toBe(1e-3);
  });

  it("linear decay to lr_end over the last D steps", () => {
    const s = { ...base, lrDecaySteps: 10, lrEnd: 1e-4 };
    expect(learningRateAt(s, 89)).toBe(1e-3);
    expect(learningRateAt(s, 90)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(s, 95)).toBeCloseTo(5.5e-4, 12);
    expect(learningRateAt(s, 99)).toBeCloseTo(1.9e-4, 12);
  });

  it("L1 warm-up: l1 * min(1, (step + 1) / W)", () => {
    const s = { ...base, l1WarmUpSteps: 4 };
    expect([0, 1, 2, 3, 4].map((t) => l1CoefficientAt(s, t))).toEqual([1.25, 2.5, 3.75, 5, 5]);
  });
});
