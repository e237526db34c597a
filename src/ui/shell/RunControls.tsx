import { useEngineStore } from "../state/engineStore.ts";
import { useConfigStore } from "../state/configStore.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";

/** Train, Pause/Resume, Step, Stop and Reset, as TensorFlow Playground has them. */
export function RunControls() {
  const live = useRunsStore((s) => s.live);
  const run = useCurrentRun();
  const modelReady = useEngineStore((s) => s.model !== undefined && !s.workerDead);
  const config = useConfigStore((s) => s.config);
  const actions = useRunsStore.getState();

  const attached = live?.attached === true;
  const running = attached && (live.phase === "running" || live.phase === "preparing");
  const paused = attached && live.phase === "paused";
  const resumable =
    !attached && run?.status === "interrupted" && run.checkpointStep !== undefined && modelReady;
  const canTrain = modelReady && !attached && config.dictionaries.length > 0;

  return (
    <div className="controls" data-testid="run-controls" data-phase={live?.phase ?? "idle"}>
      <button
        type="button"
        className="primary"
        disabled={!canTrain}
        onClick={() => actions.train(config)}
      >
        Train
      </button>
      {paused || resumable ? (
        <button
          type="button"
          onClick={() => (live && attached ? actions.resume() : run && actions.resumeRun(run.id))}
        >
          Resume
        </button>
      ) : (
        <button type="button" disabled={!running} onClick={() => actions.pause()}>
          Pause
        </button>
      )}
      <button type="button" disabled={!paused} onClick={() => actions.step()}>
        Step
      </button>
      <button type="button" disabled={!attached} onClick={() => actions.stop()}>
        Stop
      </button>
      <button type="button" disabled={!run} onClick={() => actions.reset()}>
        Reset
      </button>
    </div>
  );
}
