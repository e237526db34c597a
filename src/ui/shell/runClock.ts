/**
 * A run's clock on the page: elapsed time counts only while the worker works on the run (not
 * while paused, not between sessions), and the ETA the worker last gave counts down on that
 * same clock, so it stands still while paused and carries over a Resume.
 */
export interface RunClock {
  /** Active milliseconds before `since`. */
  before: number;
  /** When the current active stretch began (performance.now()); undefined while stopped. */
  since?: number;
  /** The worker's last ETA and the elapsed time it was given at. */
  eta?: { ms: number; atElapsed: number };
}

/** A clock that starts from a run's saved elapsed time. */
export function startClock(before: number, now: number, active: boolean): RunClock {
  return active ? { before, since: now } : { before };
}

export function elapsedMs(c: RunClock, now: number): number {
  return c.before + (c.since !== undefined ? Math.max(0, now - c.since) : 0);
}

/** Starts or stops the clock (a pause, a resume); the time so far is kept. */
export function setActive(c: RunClock, active: boolean, now: number): RunClock {
  if (active === (c.since !== undefined)) return c;
  return active ? { ...c, since: now } : { ...c, before: elapsedMs(c, now), since: undefined };
}

export function withEta(c: RunClock, ms: number | undefined, now: number): RunClock {
  return { ...c, eta: ms === undefined ? undefined : { ms, atElapsed: elapsedMs(c, now) } };
}

/** What is left: the last ETA less the active time since it came (never below 0). */
export function etaMs(c: RunClock, now: number): number | undefined {
  if (!c.eta) return undefined;
  return Math.max(0, c.eta.ms - Math.max(0, elapsedMs(c, now) - c.eta.atElapsed));
}
