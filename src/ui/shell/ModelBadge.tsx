import { sendToEngine } from "../engine.ts";
import { useEngineStore } from "../state/engineStore.ts";
import { runInProgress, useRunsStore } from "../state/runsStore.ts";

/** The model in use, with its measured quality in the details: which layers matter. */
export function ModelBadge() {
  const model = useEngineStore((s) => s.model);
  const error = useEngineStore((s) => s.modelError);
  const useError = useEngineStore((s) => s.useError);
  const running = useRunsStore(runInProgress);
  if (error) return <span className="badge warn">Model failed to load</span>;
  if (!model) return <span className="badge">Loading the model…</span>;
  const q = model.quality;
  return (
    <details className="badge model-details" data-testid="model-badge">
      <summary>
        {model.name} · {model.nLayer} layers · d {model.dModel}
      </summary>
      <div className="model-details-body" data-testid="model-info">
        <p>
          {model.name}: {model.nLayer} layers, d_model {model.dModel}, {model.nHead} heads, d_mlp{" "}
          {model.dMlp}, context {model.nCtx}, vocabulary {model.vocabSize.toLocaleString()}
          {model.processed ? " (TransformerLens processing)" : " (raw weights)"}. Corpus:{" "}
          {model.corpus}, {model.trainTokens.toLocaleString()} training and{" "}
          {model.heldOutTokens.toLocaleString()} held-out tokens.
        </p>
        {model.probe && (
          <p data-testid="model-probe">
            Runs here: next-token loss <span className="mono">{model.probe.loss.toFixed(2)}</span>{" "}
            nats/token on the first {model.probe.tokens} held-out tokens (random weights score about
            ln(vocabulary) = {Math.log(model.vocabSize).toFixed(2)}).
          </p>
        )}
        {model.source.kind === "loaded" && (
          <p>
            A checkpoint you loaded (Inspect) replaces the built-in model.{" "}
            <button
              type="button"
              disabled={running}
              title={running ? "stop the run before changing the model" : undefined}
              onClick={() => sendToEngine({ type: "use-model", loadId: null })}
            >
              Back to the built-in model
            </button>
          </p>
        )}
        {useError && (
          <p className="alert" role="alert">
            Could not change the model: {useError}
          </p>
        )}
        {q && (
          <>
            <p>
              Held-out loss: <span className="mono">{q.heldOutLoss.toFixed(3)}</span> nats/token.
              Zero-ablating a layer's MLP costs (nats/token; the larger, the more a transcoder there
              matters):
            </p>
            <table data-testid="model-quality">
              <thead>
                <tr>
                  <th>Layer</th>
                  <th>MLP ablation cost</th>
                </tr>
              </thead>
              <tbody>
                {q.layers.map((l) => (
                  <tr key={l.layer}>
                    <td>{l.layer}</td>
                    <td className="mono">+{l.mlpZeroAblationCost.toFixed(3)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </div>
    </details>
  );
}
