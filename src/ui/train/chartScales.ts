/** Axis ranges and ticks for the training charts (pure, tested). */
import type { RunStatus } from "../../storage/runRecord.ts";

export interface Scale {
  min: number;
  max: number;
  log: boolean;
  /** Position in [0, 1] of a value. */
  at(v: number): number;
  ticks: number[];
}

/** 1, 2, 5 x 10^k steps giving about `count` ticks over [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Log ticks: the decades in range, with 2 and 5 between when there are few. */
export function logTicks(min: number, max: number): number[] {
  // Within about a decade, linear-looking steps read better (120, 140, ... or 150, 200, 300).
  if (max / min < 8) return niceTicks(min, max, 6).filter((t) => t > 0);
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const mantissas = hi - lo <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const m of mantissas) {
      const t = Number((m * 10 ** e).toPrecision(12));
      if (t >= min * 0.999 && t <= max * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

/** The y scale of a chart: padded around the data, log when asked (positive values only). */
export function yScale(values: number[], log: boolean): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (finite.length === 0) return linear(0, 1);
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (log) {
    if (min === max) [min, max] = [min / 2, max * 2];
    const span = Math.log10(max) - Math.log10(min);
    const lo = 10 ** (Math.log10(min) - 0.05 * span);
    const hi = 10 ** (Math.log10(max) + 0.05 * span);
    const l0 = Math.log10(lo);
    const l1 = Math.log10(hi);
    return {
      min: lo,
      max: hi,
      log: true,
      at: (v) => (Math.log10(v) - l0) / (l1 - l0),
      ticks: logTicks(lo, hi),
    };
  }
  if (min > 0) min = 0;
  if (min === max) max = min + 1;
  return linear(min, max + 0.05 * (max - min));
}

export function linear(min: number, max: number): Scale {
  return { min, max, log: false, at: (v) => (v - min) / (max - min), ticks: niceTicks(min, max) };
}

/** What the x-axis (tokens) needs of a run: its plan while it can still go on, else what it trained. */
export interface RunExtent {
  status: RunStatus;
  step: number;
  config: { steps: number; batchSize: number };
}

/**
 * The x-axis end shared by the charts: a running, paused or interrupted run reserves its planned
 * tokens; a run that ended (done, stopped, failed) only the tokens it trained, so a run stopped
 * early does not squeeze every other run against x = 0.
 */
export function tokensAxisEnd(runs: readonly RunExtent[]): number {
  const ends = runs.map((r) => {
    const going = r.status === "running" || r.status === "paused" || r.status === "interrupted";
    return (going ? r.config.steps : r.step) * r.config.batchSize;
  });
  return Math.max(1, ...ends);
}
