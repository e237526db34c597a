import { describe, expect, it } from "vitest";
import { densityHistogram, LiveDensity } from "./liveDensity.ts";
import { topOfRow } from "./promptProbe.ts";

const log10 = (counts: number[], tokens: number) =>
  counts.map((c) => Math.log10(c / tokens + 1e-10));

describe("LiveDensity", () => {
  it("bins a window and counts dead and dense features", () => {
    const h = densityHistogram(log10([0, 1, 50, 100], 100), 100);
    expect(h).toMatchObject({ lo: -2, hi: 0, dead: 1, dense: 2 });
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("adds the windows up for the saved sparsity (steps 1..9 in windows of 5)", () => {
    const batch = 10;
    const live = new LiveDensity(batch, 5, 0);
    // Read at step 5: steps 1..4 (40 tokens).
    const first = live.take(5, [{ dictionary: "sae", log10: log10([4, 0], 40) }]);
    expect(first.windowTokens).toBe(40);
    // The end, after step 9: steps 5..9 (50 tokens).
    const merged = live.merged("sae", log10([10, 0], 50), 9);
    expect(10 ** merged[0]!).toBeCloseTo(14 / 90, 5);
    expect(merged[1]).toBeCloseTo(-10, 5);
  });
});

describe("topOfRow", () => {
  it("keeps the k largest positive values, strongest first", () => {
    const row = Float32Array.from([0, 3, -1, 5, 1, 4, 2, 0]);
    expect(topOfRow(row, 4, 1, 3)).toEqual([
      [1, 4],
      [2, 2],
      [0, 1],
    ]);
    expect(topOfRow(row, 4, 0, 2)).toEqual([
      [3, 5],
      [1, 3],
    ]);
  });
});
