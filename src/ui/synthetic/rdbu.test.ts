import { describe, expect, it } from "vitest";
import { MISSING_RGB, rdbu, rdbuGradient, RDBU_STOPS } from "./rdbu.ts";

describe("RdBu, as plot_sae_feature_similarity colours cosines", () => {
  it("puts −1 on dark red, 0 on near white and +1 on dark blue", () => {
    expect(rdbu(-1)).toEqual([103, 0, 31]);
    expect(rdbu(0)).toEqual([247, 247, 247]);
    expect(rdbu(1)).toEqual([5, 48, 97]);
  });

  it("interpolates linearly between the stops (0.1 is one stop up from 0)", () => {
    expect(rdbu(0.2)).toEqual([209, 229, 240]);
    // Halfway between 0 (247 247 247) and 0.2 (209 229 240).
    expect(rdbu(0.1)).toEqual([228, 238, 244]);
    expect(rdbu(-0.9)).toEqual([141, 12, 37]);
  });

  it("clamps outside [−1, 1] and greys out NaN", () => {
    expect(rdbu(-3)).toEqual(rdbu(-1));
    expect(rdbu(1.5)).toEqual(rdbu(1));
    expect(rdbu(NaN)).toEqual(MISSING_RGB);
  });

  it("writes the colour bar's gradient through every stop, −1 at 0 % and +1 at 100 %", () => {
    const css = rdbuGradient();
    expect(css.startsWith("linear-gradient(to top, rgb(103 0 31) 0.0%")).toBe(true);
    expect(css.endsWith("rgb(5 48 97) 100.0%)")).toBe(true);
    expect(css.match(/rgb\(/g)).toHaveLength(RDBU_STOPS.length);
  });
});
