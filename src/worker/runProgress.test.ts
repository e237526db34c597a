import { describe, expect, it } from "vitest";
import {
  autoLiveEvalEvery,
  MIN_LIVE_POINTS,
  PROGRESS_PER_SECOND,
  ProgressThrottle,
  RunEta,
} from "./runProgress.ts";

describe("progress messages", () => {
  it("reach the page at most four times a second however fast the steps come", () => {
    const throttle = new ProgressThrottle();
    let sent = 0;
    // A step every 7 ms for 10 s.
    for (let t = 0; t < 10_000; t += 7) if (throttle.due(t)) sent++;
    expect(sent).toBeLessThanOrEqual(10 * PROGRESS_PER_SECOND);
    expect(sent).toBeGreaterThanOrEqual(10 * PROGRESS_PER_SECOND - 1);
    // A state change always goes.
    expect(throttle.due(10_001, true)).toBe(true);
  });
});

describe("the ETA", () => {
  it("stays steady when one stretch is slow (a live evaluation) and ends at zero", () => {
    const eta = new RunEta(1000, 0, 0);
    const seen: number[] = [];
    let active = 0;
    for (let step = 1; step <= 1000; step++) {
      active += 100 + (step % 100 === 0 ? 1000 : 0); // 100 ms steps, a 1 s eval every 100
      const left = eta.training(step, active);
      if (step >= 200 && left !== undefined) seen.push(left);
    }
    // From step 200 on, no report is more than 5% (or one eval's second) off the one before.
    for (let i = 1; i < seen.length; i++) {
      expect(Math.abs(seen[i - 1]! - seen[i]!)).toBeLessThan(Math.max(0.05 * seen[i - 1]!, 1000));
    }
    // Half way, it says what is really left: 500 steps and 5 evals.
    expect(Math.abs(seen[300]! - 500 * 110) / (500 * 110)).toBeLessThan(0.02);
    expect(seen[seen.length - 1]).toBe(0);
  });

  it("is not given before a few steps, and counts the final evaluation once measured", () => {
    const eta = new RunEta(100, 40, 64);
    expect(eta.training(41, 500)).toBeUndefined();
    expect(eta.training(50, 1000)).toBe(50 * 100);
    eta.evalCost(4, 400); // 100 ms a window
    expect(eta.training(50, 1000)).toBe(50 * 100 + 64 * 100);
    expect(eta.evaluating(0, 0)).toBe(6400);
    expect(eta.evaluating(16, 3200)).toBe(48 * 200);
  });
});

describe("the automatic live-evaluation period", () => {
  it("spaces cheap evaluations to cost a tenth of the training time", () => {
    expect(autoLiveEvalEvery({ evalMs: 100, stepMs: 100, totalSteps: 10_000 })).toBe(10);
  });

  it("gives at least MIN_LIVE_POINTS (3) live points when evaluating is slow (a software adapter)", () => {
    // The 150-step run of the report: an eval cost ~300 steps, so only steps 5 and ~48 had one.
    const every = autoLiveEvalEvery({ evalMs: 30_000, stepMs: 100, totalSteps: 150 });
    const points = Math.floor((150 - 1) / every);
    expect(points).toBeGreaterThanOrEqual(MIN_LIVE_POINTS);
    expect(every).toBe(37);
    expect(autoLiveEvalEvery({ evalMs: 30_000, stepMs: 100, totalSteps: 4 })).toBe(1);
  });
});
