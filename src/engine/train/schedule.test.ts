import { describe, expect, it } from "vitest";
import { l1CoefficientAt, learningRateAt, type Schedule } from "./schedule.ts";

const base: Schedule = {
  totalSteps: 100,
  lr: 1e-3,
  lrWarmUpSteps: 0,
  lrDecaySteps: 0,
  l1Coefficient: 5,
  l1WarmUpSteps: 0,
};

/**
 * SAELens 6's CoefficientScheduler, step for step: current_value starts at 0 when there is a
 * warm-up, the training step uses current_value, then step() updates it.
 */
function saelensL1Values(finalValue: number, warmUp: number, steps: number): number[] {
  let current = warmUp > 0 ? 0 : finalValue;
  let currentStep = 0;
  const used: number[] = [];
  for (let k = 0; k < steps; k++) {
    used.push(current);
    current = currentStep < warmUp ? finalValue * ((currentStep + 1) / warmUp) : finalValue;
    currentStep++;
  }
  return used;
}

/**
 * SAELens 6's get_lr_scheduler("constant", ...) as torch runs it: SequentialLR over
 * LinearLR(1/W -> 1, total_iters W - 1), LambdaLR(1), LinearLR(lr_end/lr -> 0, total_iters D)
 * with lr_end replaced by lr, each LinearLR stepped by its recursive (chainable) rule and
 * restarted with step(0) at its milestone.
 */
function saelensLrValues(lr: number, warmUp: number, decay: number, total: number): number[] {
  type Sched = { start: number; end: number; iters: number } | "constant";
  const scheds: Sched[] = [];
  const milestones: number[] = [];
  if (warmUp > 0) {
    scheds.push({ start: 1 / warmUp, end: 1, iters: warmUp - 1 });
    milestones.push(warmUp);
  }
  scheds.push("constant");
  if (decay > 0) {
    scheds.push({ start: 1, end: 0, iters: decay });
    milestones.push(total - decay);
  }
  let current = scheds[0] === "constant" ? lr : lr * (scheds[0] as { start: number }).start;
  const epochs = scheds.map(() => 0);
  const used = [current];
  for (let epoch = 1; epoch < total; epoch++) {
    let which = 0;
    while (which < milestones.length && milestones[which]! <= epoch) which++;
    const s = scheds[which]!;
    if (which > 0 && milestones[which - 1] === epoch) {
      epochs[which] = 0;
      current = s === "constant" ? lr : lr * s.start;
    } else {
      epochs[which]!++;
      const e = epochs[which]!;
      if (s !== "constant" && e <= s.iters) {
        current *= 1 + (s.end - s.start) / (s.iters * s.start + (e - 1) * (s.end - s.start));
      } else if (s === "constant") {
        current = lr;
      }
    }
    used.push(current);
  }
  return used;
}

describe("schedules", () => {
  it("constant by default", () => {
    for (const step of [0, 1, 50, 99]) {
      expect(learningRateAt(base, step)).toBe(1e-3);
      expect(l1CoefficientAt(base, step)).toBe(5);
    }
  });

  it("L1 warm-up: step k trains with l1 * k / W, starting at 0, as SAELens's CoefficientScheduler", () => {
    for (const warmUp of [1, 4, 7]) {
      const s = { ...base, l1WarmUpSteps: warmUp, totalSteps: 20 };
      const ours = Array.from({ length: 20 }, (_, k) => l1CoefficientAt(s, k));
      const theirs = saelensL1Values(5, warmUp, 20);
      expect(ours[0]).toBe(0);
      for (let k = 0; k < 20; k++) expect(ours[k]).toBeCloseTo(theirs[k]!, 12);
    }
    expect([0, 1, 2, 3, 4].map((t) => l1CoefficientAt({ ...base, l1WarmUpSteps: 4 }, t))).toEqual([
      0, 1.25, 2.5, 3.75, 5,
    ]);
  });

  it("learning rate: warm-up and decay to 0 as SAELens's constant scheduler, for every step", () => {
    for (const [warmUp, decay] of [
      [0, 0],
      [5, 0],
      [0, 10],
      [5, 10],
      [1, 1],
    ] as const) {
      const s = { ...base, lrWarmUpSteps: warmUp, lrDecaySteps: decay, totalSteps: 40 };
      const theirs = saelensLrValues(1e-3, warmUp, decay, 40);
      for (let k = 0; k < 40; k++) {
        expect(learningRateAt(s, k), `W=${warmUp} D=${decay} step ${k}`).toBeCloseTo(
          theirs[k]!,
          15,
        );
      }
    }
  });

  it("the decay ends at lr / D on the last step, whatever lr_end was", () => {
    const s = { ...base, lrDecaySteps: 10 };
    expect(learningRateAt(s, 89)).toBe(1e-3);
    expect(learningRateAt(s, 90)).toBeCloseTo(1e-3, 15);
    expect(learningRateAt(s, 95)).toBeCloseTo(5e-4, 15);
    expect(learningRateAt(s, 99)).toBeCloseTo(1e-4, 15);
  });
});
