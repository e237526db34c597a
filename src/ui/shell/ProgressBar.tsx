import { useEffect, useState } from "react";
import { duration, si } from "../format.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";
import { elapsedMs, etaMs } from "./runClock.ts";

/**
 * Tokens done of the total (step by step), tokens/s, elapsed time and ETA of the current run;
 * during the evaluation at the end, its windows read. Elapsed time and the ETA count active
 * time only: both stand still while paused and carry over a Resume.
 */
export function ProgressBar() {
  const run = useCurrentRun();
  const live = useRunsStore((s) => s.live);
  const mine = live !== undefined && live.runId === run?.id ? live : undefined;
  const active =
    mine?.phase === "running" || mine?.phase === "preparing" || mine?.phase === "evaluating";
  // The clock, advanced once a second while active (rendering stays pure).
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, [active]);

  if (!run) return <div className="progress muted">No run yet: press Train.</div>;
  const total = run.config.steps * run.config.batchSize;
  const step = mine?.step ?? run.step;
  const done = step * run.config.batchSize;
  const elapsed = mine ? elapsedMs(mine.clock, now) : run.elapsedMs;
  const eta = mine ? etaMs(mine.clock, now) : undefined;
  const tps = mine?.tokensPerSecond;
  const windows =
    mine?.phase === "evaluating" || mine?.phase === "paused" ? mine.windows : undefined;
  const status =
    mine?.pending === "pause"
      ? "pausing…"
      : mine?.pending === "stop"
        ? "stopping…"
        : windows && mine?.phase === "evaluating"
          ? `evaluating ${windows.done}/${windows.total} windows`
          : (mine?.message ?? (mine?.evaluateOnly ? "evaluating" : run.status));
  const [value, max] = windows ? [windows.done, windows.total] : [done, total];
  return (
    <div className="progress" data-testid="progress" data-step={step}>
      <div
        className={windows ? "progress-track evaluating" : "progress-track"}
        role="progressbar"
        aria-label={windows ? "Evaluation progress" : "Training progress"}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
      >
        <div className="progress-fill" style={{ width: `${(100 * value) / Math.max(1, max)}%` }} />
      </div>
      <div className="progress-stats mono">
        <span data-testid="progress-tokens">
          {si(done)} / {si(total)} tokens
        </span>
        <span>{tps !== undefined ? `${si(tps)} tokens/s` : "– tokens/s"}</span>
        <span data-testid="progress-elapsed">elapsed {duration(elapsed / 1000)}</span>
        <span data-testid="progress-eta" title="Active time left: pauses do not count">
          ETA{windows ? " (evaluation)" : ""} {eta !== undefined ? duration(eta / 1000) : "–"}
        </span>
        {run.checkpointStep !== undefined && (
          <span className="muted" data-testid="checkpoint" data-step={run.checkpointStep}>
            saved at step {run.checkpointStep}
          </span>
        )}
        <span className="muted" data-testid="run-status">
          {status}
        </span>
      </div>
    </div>
  );
}
