import { describe, expect, it } from "vitest";
import {
  L0Autotuner,
  SYNTHSAEBENCH_AUTOTUNER,
  type L0AutotunerConfig,
} from "../bench/syntheticL0Autotuner.ts";

const ssbe = (overrides: Partial<L0AutotunerConfig> = {}) =>
  new L0Autotuner({ ...SYNTHSAEBENCH_AUTOTUNER, targetL0: 25, startStep: 0, ...overrides });

describe("SynthSAEBench's L0 autotuner", () => {
  it("raises the multiplier by Ki·tanh(|rel. error|·scale) when L0 is above target", () => {
    const t = ssbe();
    // rel. error 1: tanh(10) = 0.99999999587...
    expect(t.update(50, 0)).toBeCloseTo(1 + 3e-4 * Math.tanh(10), 15);
    // rel. error −0.2 on the first update (no rate yet): full gain, downwards
    const low = ssbe();
    low.update(20, 0);
    expect(low.multiplier).toBeCloseTo(1 - 3e-4 * Math.tanh(2), 15);
  });

  it("damps the step by the convergence gain while L0 already moves toward the target", () => {
    const t = ssbe({ smoothing: 0.5, rateSmoothing: 0 });
    t.update(50, 0);
    const before = t.multiplier;
    // smoothed 50 -> 40: still above target, falling, so the gain is 0.01
    t.update(30, 1);
    expect(t.smoothedL0).toBe(40);
    expect(t.multiplier / before).toBeCloseTo(1 + 0.01 * 3e-4 * Math.tanh(6), 15);
  });

  it("only tracks L0 before its start step, and clamps the multiplier", () => {
    const t = ssbe({ startStep: 5, integralGain: 10 });
    expect(t.update(100, 4)).toBe(1);
    expect(t.update(100, 5)).toBe(11);
    for (let s = 6; s < 10; s++) t.update(100, s);
    expect(t.multiplier).toBe(100);
  });

  it("steers a plant whose L0 falls as the coefficient grows onto the target", () => {
    const t = ssbe({ smoothing: 0.5, rateSmoothing: 0.5, integralGain: 0.2, convergenceGain: 0.2 });
    let l0 = 0;
    for (let step = 0; step < 200; step++) {
      l0 = 80 / t.multiplier;
      t.update(l0, step);
    }
    expect(Math.abs(l0 - 25)).toBeLessThan(1);
  });

  it("refuses a target L0 that is not positive", () => {
    expect(() => ssbe({ targetL0: 0 })).toThrow(/target L0 must be > 0, got 0/);
  });
});
