import { useLoadStore, type LoadItem } from "../state/loadStore.ts";
import { runInProgress, useRunsStore } from "../state/runsStore.ts";
import { sendToEngine } from "../engine.ts";

const RUN_BLOCKS = "a run is in progress; stop it before changing the model";

/** A model item's place as the engine's model: use it, or it is in use (and how to go back). */
export function ModelUse(props: { item: LoadItem }) {
  const { item } = props;
  const running = useRunsStore(runInProgress);
  if (item.use === "loading") return null;
  if (item.use === "current") {
    return (
      <>
        <span className="status status-done" data-testid="model-current">
          Current model
        </span>
        <button
          type="button"
          disabled={running}
          title={running ? RUN_BLOCKS : undefined}
          onClick={() => sendToEngine({ type: "use-model", loadId: null })}
        >
          Back to the built-in model
        </button>
      </>
    );
  }
  return (
    <>
      {running && (
        <span className="muted small" data-testid="use-blocked">
          Stop the run to change the model
        </span>
      )}
      <button
        type="button"
        disabled={running}
        title={running ? RUN_BLOCKS : "Replace the built-in model with this checkpoint"}
        onClick={() => useLoadStore.getState().chooseModel(item.id)}
      >
        Use this model
      </button>
    </>
  );
}
