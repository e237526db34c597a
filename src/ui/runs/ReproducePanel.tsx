import { useEngineStore } from "../state/engineStore.ts";
import { useCurrentRun } from "../state/runsStore.ts";
import { saelensScript, sparsifyCommand } from "./reproduce.ts";

/** How a user who outgrows the browser trains the same dictionaries on a GPU cluster. */
export function ReproducePanel() {
  const run = useCurrentRun();
  const dModel = useEngineStore((s) => s.model?.dModel ?? 128);
  if (!run) return null;
  const modelPath = "path/to/gpt2-brown";
  const script = saelensScript(run, dModel, modelPath);
  const sparsify = sparsifyCommand(run, modelPath);
  return (
    <section className="reproduce" aria-label="Reproduce in Python" data-testid="reproduce">
      <h2>Reproduce in Python</h2>
      <p className="muted">For the run “{run.label}”.</p>
      {script && (
        <>
          <h3>SAE: SAELens 6</h3>
          <pre data-testid="reproduce-saelens">{script}</pre>
        </>
      )}
      {sparsify.command && (
        <>
          <h3>Transcoder: the nearest sparsify command</h3>
          <p className="muted">SAELens cannot train transcoders; sparsify can, differently:</p>
          <pre data-testid="reproduce-sparsify">{sparsify.command}</pre>
          <ul>
            {sparsify.differences.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
