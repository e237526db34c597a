import { useComputeStore } from "./computeStore.ts";
import type { SetChoice } from "./setChoices.ts";

function ComputeProgressLine() {
  const progress = useComputeStore((s) => s.progress);
  if (!progress) return null;
  const { stage, rowsDone, rowsTotal, passes } = progress;
  const text =
    stage === "loading"
      ? "Preparing the replacement model…"
      : stage === "pruning"
        ? "Pruning and scoring…"
        : `${rowsDone.toLocaleString()} / ${rowsTotal.toLocaleString()} rows, ${passes} backward pass${passes === 1 ? "" : "es"}`;
  return (
    <div className="compute-progress" data-testid="compute-progress" role="status">
      <progress max={Math.max(1, rowsTotal)} value={stage === "pruning" ? rowsTotal : rowsDone} />
      <span className="mono small">{text}</span>
    </div>
  );
}

/** Pick a transcoder set, type a prompt, compute its attribution graph in the worker. */
export function ComputeForm(props: { choices: readonly SetChoice[]; compact?: boolean }) {
  const { choices } = props;
  const prompt = useComputeStore((s) => s.prompt);
  const setKey = useComputeStore((s) => s.setKey);
  const edge = useComputeStore((s) => s.edgeThreshold);
  const computing = useComputeStore((s) => s.requestId !== undefined);
  const error = useComputeStore((s) => s.error);
  const finished = useComputeStore((s) => s.finished);
  const store = useComputeStore.getState();
  const chosen = choices.find((c) => c.key === setKey) ?? choices[0];
  if (choices.length === 0) {
    return (
      <p className="compute-none" data-testid="compute-form">
        <strong>No transcoder set yet.</strong> Train one in Train (pick “every layer” under Layers,
        transcoder on), or load per-layer transcoders (a set folder or zip) in Inspect; it shows up
        here.
      </p>
    );
  }
  const start = () => {
    if (!chosen) return;
    store.compute(chosen.ref, chosen.name);
  };
  return (
    <form
      className={props.compact ? "compute-form compact" : "compute-form"}
      data-testid="compute-form"
      onSubmit={(e) => {
        e.preventDefault();
        start();
      }}
    >
      <label>
        Transcoder set
        <select
          value={chosen?.key}
          data-testid="set-select"
          onChange={(e) => store.setSetKey(e.currentTarget.value)}
        >
          {choices.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label className="compute-prompt">
        Prompt
        <input
          type="text"
          value={prompt}
          placeholder="e.g. The cat sat on the"
          data-testid="circuit-prompt"
          onChange={(e) => store.setPrompt(e.currentTarget.value)}
        />
      </label>
      <label title="circuit-tracer's edge_threshold: keep the edges that carry this share of the influence">
        Edges
        <input
          type="number"
          min={0}
          max={1}
          step={0.01}
          value={edge}
          className="mono"
          data-testid="edge-threshold"
          onChange={(e) => {
            const v = Number(e.currentTarget.value);
            if (v >= 0 && v <= 1) store.setEdgeThreshold(v);
          }}
        />
      </label>
      {computing ? (
        <button type="button" onClick={() => store.cancel()}>
          Cancel
        </button>
      ) : (
        <button type="submit" className="primary" disabled={prompt.trim() === ""}>
          Compute graph
        </button>
      )}
      <ComputeProgressLine />
      {!computing && finished && !error && (
        <span className="muted small" data-testid="compute-done">
          {finished.rows.toLocaleString()} rows in {finished.passes} backward passes,{" "}
          {finished.seconds.toFixed(1)} s
        </span>
      )}
      {error && (
        <p role="alert" className="error" data-testid="compute-error">
          {error}
        </p>
      )}
    </form>
  );
}
