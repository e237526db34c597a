import { useEffect } from "react";
import type { SyntheticRunConfig } from "../worker/protocol.ts";
import { DictionaryCard } from "./DictionaryCard.tsx";
import { onEngineMessage, sendToEngine } from "./engine.ts";
import { useRunStore } from "./runStore.ts";

const DEMO: SyntheticRunConfig = {
  kind: "transcoder",
  dIn: 32,
  dOut: 24,
  dSae: 128,
  batchSize: 128,
  steps: 200,
  l1Coefficient: 0.05,
  lr: 1e-2,
  seed: 1,
  logEvery: 10,
};

/** Trains a small transcoder on synthetic activations in the engine worker, live. */
export function SyntheticRunPanel() {
  const { status, history, error, adapter, start, receive } = useRunStore();
  useEffect(() => onEngineMessage(receive), [receive]);

  const run = () => {
    const runId = `run-${Date.now()}`;
    start(runId);
    sendToEngine({ type: "train-synthetic", runId, config: DEMO });
  };

  return (
    <section data-testid="synthetic-run" data-status={status}>
      <h2>Engine check</h2>
      <p>
        Trains a transcoder ({DEMO.dIn} → {DEMO.dSae} latents → {DEMO.dOut}) on synthetic sparse
        activations for {DEMO.steps} steps in a worker.
      </p>
      <button type="button" onClick={run} disabled={status === "running"}>
        Train demo transcoder
      </button>
      {adapter && <p>Adapter: {adapter}</p>}
      {error && <p role="alert">{error}</p>}
      <DictionaryCard id="run" title="Demo transcoder" history={history} />
    </section>
  );
}
