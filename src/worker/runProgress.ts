/** How a run reports its progress: throttled messages, a steady ETA, the live-eval period. */

/** At most this many progress messages a second reach the page. */
export const PROGRESS_PER_SECOND = 4;

/** Says when the next progress message may go: at most PROGRESS_PER_SECOND a second. */
export class ProgressThrottle {
  private last = -Infinity;

  constructor(private readonly minGapMs = 1000 / PROGRESS_PER_SECOND) {}

  /** True (and counts it as sent) when a message may go at `now`; `force` always sends. */
  due(now: number, force = false): boolean {
    if (!force && now - this.last < this.minGapMs) return false;
    this.last = now;
    return true;
  }
}

/** Steps before an ETA is given (the first step fills the activation store). */
const ETA_AFTER_STEPS = 3;

/**
 * The time left of a run, from its active time only (pauses do not count, so the estimate
 * stands still while paused): the steps left at the mean cost of the steps taken since this
 * session started (live evaluations included, as they recur at the same rate), and the final
 * evaluation at the cost per window the live evaluation measured. The mean over the whole
 * session moves slowly, so the ETA does not swing from one report to the next.
 */
export class RunEta {
  private msPerWindow: number | undefined;

  constructor(
    private readonly totalSteps: number,
    private readonly startStep: number,
    /** Windows the final evaluation reads, over all dictionaries. */
    private readonly finalWindows: number,
  ) {}

  /** A live evaluation of `windows` windows (over all dictionaries) took `ms`. */
  evalCost(windows: number, ms: number): void {
    if (windows > 0 && ms > 0) this.msPerWindow = ms / windows;
  }

  /** The final evaluation's expected milliseconds (undefined until a live one is measured). */
  finalEvalMs(): number | undefined {
    if (this.finalWindows === 0) return 0;
    return this.msPerWindow === undefined ? undefined : this.msPerWindow * this.finalWindows;
  }

  /** Milliseconds left after `step` steps, `activeMs` of them this session; undefined early. */
  training(step: number, activeMs: number): number | undefined {
    const taken = step - this.startStep;
    if (taken < ETA_AFTER_STEPS || activeMs <= 0) return undefined;
    const perStep = activeMs / taken;
    return Math.max(0, this.totalSteps - step) * perStep + (this.finalEvalMs() ?? 0);
  }

  /** Milliseconds left of the final evaluation, `done` of its windows read in `activeMs`. */
  evaluating(done: number, activeMs: number): number | undefined {
    const perWindow = done > 0 ? activeMs / done : this.msPerWindow;
    if (perWindow === undefined) return undefined;
    return Math.max(0, this.finalWindows - done) * perWindow;
  }
}

/** The share of training time the live evaluation may take when its period is automatic. */
export const LIVE_EVAL_SHARE = 0.1;
/** Live points a run gets at least when its period is automatic (when it has the steps). */
export const MIN_LIVE_POINTS = 3;

/**
 * Steps between live ce_loss_score evaluations when the period is automatic: spaced so that
 * evaluating takes about LIVE_EVAL_SHARE of the time, but close enough that a run gets at
 * least MIN_LIVE_POINTS of them (before the final evaluation, which is the last point).
 */
export function autoLiveEvalEvery(c: {
  /** One live evaluation's cost. */
  evalMs: number;
  /** One training step's mean cost. */
  stepMs: number;
  totalSteps: number;
}): number {
  const byCost = Math.ceil(c.evalMs / (LIVE_EVAL_SHARE * Math.max(c.stepMs, 1e-3)));
  const byCount = Math.floor(c.totalSteps / (MIN_LIVE_POINTS + 1));
  return Math.max(1, Math.min(byCost, Math.max(1, byCount)));
}
