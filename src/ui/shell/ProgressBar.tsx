import { useEffect, useState } from "react";
import { duration, si } from "../format.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";

/** Tokens done of the total, tokens/s, elapsed time and ETA of the current run. */
export function ProgressBar() {
  const run = useCurrentRun();
  const live = useRunsStore((s) => s.live);
  const running = live?.phase === "running";
  // The clock, advanced once a second while running (rendering stays pure).
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, [running]);

  if (!run) return <div className="progress muted">No run yet: press Train.</div>;
  const total = run.config.steps * run.config.batchSize;
  const done = run.step * run.config.batchSize;
  const elapsedMs =
    live && live.runId === run.id
      ? live.elapsedBefore + (running ? Math.max(0, now - live.startedAt) : 0)
      : run.elapsedMs;
  const tps = live?.runId === run.id ? live.tokensPerSecond : undefined;
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : undefined;
  const eta = rate && rate > 0 && done < total ? (total - done) / rate : undefined;
  const status = live?.runId === run.id && live.message ? live.message : run.status;
  return (
    <div className="progress" data-testid="progress" data-step={run.step}>
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
      >
        <div className="progress-fill" style={{ width: `${(100 * done) / total}%` }} />
      </div>
      <div className="progress-stats mono">
        <span data-testid="progress-tokens">
          {si(done)} / {si(total)} tokens
        </span>
        <span>{tps !== undefined ? `${si(tps)} tokens/s` : "– tokens/s"}</span>
        <span>elapsed {duration(elapsedMs / 1000)}</span>
        <span>ETA {eta !== undefined ? duration(eta) : "–"}</span>
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
