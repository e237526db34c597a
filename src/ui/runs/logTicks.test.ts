import { describe, expect, it } from "vitest";
import { logAxisTicks } from "./logTicks.ts";

describe("logAxisTicks", () => {
  it("draws each tick once when runs share an L0", () => {
    // Two runs that changed only the transcoder: the SAE's L0 is the same in both.
    expect(logAxisTicks([186.5, 186.5, 40.25, 186.5])).toEqual({
      domain: [20, 200],
      ticks: [20, 50, 100, 200],
    });
  });

  it("widens a single value to the rungs around it, even a rung itself", () => {
    expect(logAxisTicks([186.5, 186.5])).toEqual({ domain: [100, 200], ticks: [100, 200] });
    expect(logAxisTicks([100])).toEqual({ domain: [50, 200], ticks: [50, 100, 200] });
    expect(logAxisTicks([0.3])).toEqual({ domain: [0.2, 0.5], ticks: [0.2, 0.5] });
  });

  it("keeps only powers of ten over a wide range", () => {
    expect(logAxisTicks([0.7, 3000])).toEqual({
      domain: [0.1, 10000],
      ticks: [0.1, 1, 10, 100, 1000, 10000],
    });
  });

  it("ignores values a log axis cannot show", () => {
    expect(logAxisTicks([0, -1, Number.NaN, 12])).toEqual({ domain: [10, 20], ticks: [10, 20] });
    expect(logAxisTicks([0])).toBeUndefined();
  });
});
