import { describe, expect, it } from "vitest";
import { matchColumn, sameIndexSuspicious } from "./featureMatching.ts";

const column = (index: number[]) =>
  matchColumn(
    Uint32Array.from(index),
    Float32Array.from(index, () => 0.5),
    Float32Array.from(index, () => 0.1),
  );

describe("the same-index share of best matches", () => {
  it("counts A's features whose best B feature has A's index", () => {
    // Features 0, 2 and 5 of 8 are matched to their own index.
    const c = column([0, 3, 2, 1, 7, 5, 4, 4]);
    expect(c.sameIndex).toBe(3 / 8);
    expect(column([1, 0]).sameIndex).toBe(0);
  });

  it("is suspicious only far above chance (1 / d_sae of B) and on at least 3 features", () => {
    const n = 512;
    // 13% of 512 features at their own index (issue 20's trained pair): far above 0.2%.
    const trained = Array.from({ length: n }, (_, i) => (i < 67 ? i : (i + 1) % n));
    expect(sameIndexSuspicious(column(trained), n)).toBe(true);
    // 2 of 512 (0.4%): about chance.
    const chance = Array.from({ length: n }, (_, i) => (i < 2 ? i : (i + 7) % n));
    expect(column(chance).sameIndex).toBeCloseTo(2 / 512, 10);
    expect(sameIndexSuspicious(column(chance), n)).toBe(false);
    // Small dictionaries: 2 of 4 is half, but 2 features prove nothing.
    expect(sameIndexSuspicious(column([0, 1, 3, 2]), 4)).toBe(false);
  });
});
