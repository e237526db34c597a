import { useState } from "react";
import { formatBytes, formatDuration } from "../../engine/stream/runEstimate.ts";
import { useEngineStore } from "../state/engineStore.ts";
import { useConfigStore } from "../state/configStore.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";
import { CONFIRM_OVER_SECONDS, useRunEstimate } from "../train/useRunEstimate.ts";
import "../train/RunEstimate.css";

/**
 * Train, Pause/Resume, Step, Stop and Reset, as TensorFlow Playground has them. A click says
 * so at once ("Pausing…", "Stopping…") until the worker has done it. A stopped run can be
 * resumed from its checkpoint, or evaluated as it is.
 */
export function RunControls() {
  const live = useRunsStore((s) => s.live);
  const run = useCurrentRun();
  const modelReady = useEngineStore((s) => s.model !== undefined && !s.workerDead);
  const config = useConfigStore((s) => s.config);
  const actions = useRunsStore.getState();

  const attached = live?.attached === true;
  const pending = attached ? live.pending : undefined;
  const working =
    attached &&
    (live.phase === "running" || live.phase === "preparing" || live.phase === "evaluating");
  const paused = attached && live.phase === "paused";
  // Paused in the evaluation at the end (or Evaluate's): no training step is left to take.
  const finalEval = attached && (live.evaluateOnly === true || live.windows !== undefined);
  const stopped = !attached && run?.status === "stopped";
  const resumable =
    !attached &&
    (run?.status === "interrupted" || stopped) &&
    run?.checkpointStep !== undefined &&
    modelReady;
  const estimate = useRunEstimate();
  const [confirming, setConfirming] = useState(false);
  // A run that cannot fit is refused here, with the numbers (RunEstimate shows them too).
  const canTrain = modelReady && !attached && config.dictionaries.length > 0 && !estimate?.refusal;
  const long = estimate?.seconds !== undefined && estimate.seconds > CONFIRM_OVER_SECONDS;

  return (
    <div
      className="controls"
      data-testid="run-controls"
      data-phase={live?.phase ?? "idle"}
      data-pending={pending ?? ""}
    >
      <button
        type="button"
        className="primary"
        disabled={!canTrain}
        title={estimate?.refusal ? `Cannot run here: ${estimate.refusal}` : undefined}
        onClick={() => (long ? setConfirming(true) : actions.train(config))}
      >
        Train
      </button>
      {!attached && estimate && (
        <button
          type="button"
          className={`estimate-chip${estimate.refusal ? " refused" : ""}`}
          data-testid="train-estimate"
          title={
            estimate.refusal
              ? `Cannot run here: ${estimate.refusal}`
              : "The next run's estimated cost: its details are under the settings"
          }
          onClick={() =>
            document
              .querySelector("[data-testid=run-estimate]")
              ?.scrollIntoView({ block: "nearest", behavior: "smooth" })
          }
        >
          {estimate.refusal
            ? `cannot fit: ≈ ${formatBytes(estimate.totalBytes)}`
            : `≈ ${formatBytes(estimate.totalBytes)}${
                estimate.seconds !== undefined ? ` · ≈ ${formatDuration(estimate.seconds)}` : ""
              }`}
        </button>
      )}
      {confirming && estimate?.seconds !== undefined && (
        <div
          className="confirm-run"
          role="alertdialog"
          aria-modal="true"
          aria-labelledby="confirm-run-text"
          data-testid="confirm-run"
          onKeyDown={(e) => {
            if (e.key === "Escape") setConfirming(false);
          }}
        >
          <p id="confirm-run-text">
            This run is estimated at ≈ {formatDuration(estimate.seconds)} on this adapter (≈{" "}
            {formatBytes(estimate.totalBytes)} GPU memory). Start it?
          </p>
          <div>
            <button
              type="button"
              className="primary"
              onClick={() => {
                setConfirming(false);
                actions.train(config);
              }}
            >
              Start
            </button>
            <button type="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {(paused && pending !== "stop") || resumable ? (
        <button
          type="button"
          title={resumable ? `Continue from step ${run?.checkpointStep}` : undefined}
          onClick={() => (live && attached ? actions.resume() : run && actions.resumeRun(run.id))}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          disabled={!working || pending !== undefined}
          aria-busy={pending === "pause"}
          onClick={() => actions.pause()}
        >
          {pending === "pause" ? "Pausing…" : "Pause"}
        </button>
      )}
      <button
        type="button"
        disabled={!paused || pending !== undefined || finalEval}
        onClick={() => actions.step()}
      >
        Step
      </button>
      <button
        type="button"
        disabled={!attached || pending === "stop"}
        aria-busy={pending === "stop"}
        onClick={() => actions.stop()}
      >
        {pending === "stop" ? "Stopping…" : "Stop"}
      </button>
      {stopped && run && (
        <button
          type="button"
          disabled={!modelReady}
          title={`Score the weights of step ${run.step} spliced into the model`}
          onClick={() => actions.evaluate(run.id)}
        >
          Evaluate
        </button>
      )}
      <button type="button" disabled={!run} onClick={() => actions.reset()}>
        Reset
      </button>
    </div>
  );
}
