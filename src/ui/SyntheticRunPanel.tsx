import { useEffect } from "react";
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { SyntheticRunConfig } from "../worker/protocol.ts";
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
  const last = history[history.length - 1];

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
      {last && (
        <dl>
          <dt>Step</dt>
          <dd data-testid="run-step">{last.step}</dd>
          <dt>Loss (mse + l1)</dt>
          <dd data-testid="run-loss">{last.loss.toFixed(5)}</dd>
          <dt>L0</dt>
          <dd data-testid="run-l0">{last.l0.toFixed(2)}</dd>
          <dt>Explained variance</dt>
          <dd data-testid="run-ev">{last.explained_variance.toFixed(4)}</dd>
          <dt>Tokens/s</dt>
          <dd>{Math.round(last.tokensPerSecond)}</dd>
        </dl>
      )}
      {history.length > 1 && (
        <LineChart width={480} height={200} data={history}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="step" />
          <YAxis />
          <Tooltip />
          <Line
            type="monotone"
            dataKey="loss"
            stroke="#3366cc"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      )}
      <ol hidden data-testid="run-losses">
        {history.map((m) => (
          <li key={m.step}>{m.loss}</li>
        ))}
      </ol>
    </section>
  );
}
