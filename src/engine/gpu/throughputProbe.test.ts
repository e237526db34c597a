import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { DEFAULT_SHAPE } from "./autotune.ts";
import { probeThroughput, throughputFromTune } from "./throughputProbe.ts";

describe("throughputProbe", () => {
  it("times the chosen kernel within its budget and gives a throughput the timing implies", async () => {
    const { device } = await testDevice();
    const shape = { B: 64, D: 32, F: 128 };
    const t0 = performance.now();
    const t = await probeThroughput(device, loadNodeShaders(), { shape, budgetMs: 50 });
    const wall = performance.now() - t0;
    expect(t.source).toBe("probe");
    // The fastest of at least 2 timed dispatches of 2·B·D·F FLOPs, after a warm-up, all
    // inside the probe's wall time: each took at most a third of it.
    expect(t.flopsPerSecond).toBeGreaterThan((3 * 2 * 64 * 32 * 128) / (wall / 1000));
    expect(Number.isFinite(t.flopsPerSecond)).toBe(true);
    expect(t.ms).toBeLessThanOrEqual(wall + 1);
  });

  it("reuses the autotuner's timing of the kernel it chose, and only that", () => {
    const tuned = throughputFromTune({
      choice: { rows: "tiled64", at: "blocked" },
      source: "tuned",
      timings: { rows: { blocked: 4, tiled64: 2 }, at: { blocked: 3 } },
    });
    const flops = 2 * DEFAULT_SHAPE.B * DEFAULT_SHAPE.D * DEFAULT_SHAPE.F;
    expect(tuned?.flopsPerSecond).toBeCloseTo(flops / 0.002, 0);
    expect(
      throughputFromTune({ choice: { rows: "blocked", at: "blocked" }, source: "software" }),
    ).toBeUndefined();
  });
});
