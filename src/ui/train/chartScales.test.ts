import { describe, expect, it } from "vitest";
import { logTicks, niceTicks, tokensAxisEnd, yScale } from "./chartScales.ts";

describe("chart scales", () => {
  it("linear ticks step by 1, 2 or 5 times a power of ten", () => {
    expect(niceTicks(0, 19_200)).toEqual([0, 5000, 10000, 15000]);
    expect(niceTicks(0, 1)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 1, 8)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it("log ticks are decades, with 2 and 5 when the range is short", () => {
    expect(logTicks(0.02, 0.9)).toEqual([0.02, 0.05, 0.1, 0.2, 0.5]);
    expect(logTicks(1e-3, 50)).toEqual([0.001, 0.01, 0.1, 1, 10]);
    expect(logTicks(120, 350)).toEqual([150, 200, 250, 300, 350]);
  });

  it("a log scale ignores values that are not positive, a linear one starts at 0", () => {
    const log = yScale([0, 0.1, 1], true);
    expect(log.min).toBeGreaterThan(0.05);
    expect(log.at(0.1)).toBeGreaterThan(0);
    expect(log.at(1)).toBeLessThan(1);
    const lin = yScale([3, 5], false);
    expect(lin.min).toBe(0);
    expect(lin.at(0)).toBe(0);
  });

  it("the tokens axis ends at a live run's plan, and at what an ended run trained", () => {
    const run = (status: "running" | "stopped" | "done" | "interrupted", step: number) => ({
      status,
      step,
      config: { steps: 38_400, batchSize: 256 },
    });
    // A stopped run planned at 9.83M tokens that trained none does not set the axis.
    expect(
      tokensAxisEnd([
        run("stopped", 0),
        { ...run("done", 150), config: { steps: 150, batchSize: 256 } },
      ]),
    ).toBe(38_400);
    expect(tokensAxisEnd([run("running", 10)])).toBe(9_830_400);
    expect(tokensAxisEnd([run("interrupted", 10)])).toBe(9_830_400);
    expect(tokensAxisEnd([run("stopped", 0)])).toBe(1);
    expect(tokensAxisEnd([])).toBe(1);
  });
});
