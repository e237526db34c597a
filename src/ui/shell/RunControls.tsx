import { useEngineStore } from "../state/engineStore.ts";
import { useConfigStore } from "../state/configStore.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";

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
  const canTrain = modelReady && !attached && config.dictionaries.length > 0;

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
        onClick={() => actions.train(config)}
      >
        Train
      </button>
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
