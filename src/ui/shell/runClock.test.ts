import { describe, expect, it } from "vitest";
import { elapsedMs, etaMs, setActive, startClock, withEta } from "./runClock.ts";

describe("a run's clock", () => {
  it("stops elapsed time and the ETA while paused", () => {
    let c = startClock(0, 1000, true);
    c = withEta(c, 60_000, 11_000); // 10 s in, the worker says 60 s left
    expect(elapsedMs(c, 21_000)).toBe(20_000);
    expect(etaMs(c, 21_000)).toBe(50_000);
    c = setActive(c, false, 21_000); // paused for a minute
    expect(elapsedMs(c, 81_000)).toBe(20_000);
    expect(etaMs(c, 81_000)).toBe(50_000);
    c = setActive(c, true, 81_000); // resumed
    expect(elapsedMs(c, 86_000)).toBe(25_000);
    expect(etaMs(c, 86_000)).toBe(45_000);
  });

  it("keeps the elapsed time of earlier sessions across a Resume", () => {
    // The saved run had trained 90 s; the resumed session starts from there.
    const c = startClock(90_000, 5_000, true);
    expect(elapsedMs(c, 7_000)).toBe(92_000);
    expect(elapsedMs(setActive(c, true, 6_000), 7_000)).toBe(92_000);
  });

  it("never counts the ETA below zero, and forgets it when the worker gives none", () => {
    let c = withEta(startClock(0, 0, true), 2_000, 0);
    expect(etaMs(c, 5_000)).toBe(0);
    c = withEta(c, undefined, 5_000);
    expect(etaMs(c, 6_000)).toBeUndefined();
  });
});
