import { useState } from "react";
import { useEngineStore } from "../state/engineStore.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";
import { runTitle } from "../../storage/runNames.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";
import { saelensScript, sparsifyCommand } from "./reproduce.ts";

/** The folder the scripts name: the built-in model's files, saved side by side. */
const MODEL_DIR = "gpt2-brown";
const BUILTIN = `${import.meta.env.BASE_URL}builtin/gpt2-brown/`;

/** A block of code with a button that copies it (or selects it where the clipboard is refused). */
function CodeBlock(props: { code: string; testId: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "select">("idle");
  const copy = () => {
    navigator.clipboard.writeText(props.code).then(
      () => setState("copied"),
      () => setState("select"),
    );
  };
  return (
    <div className="code-block">
      <button
        type="button"
        className="copy-button"
        aria-label={`Copy the ${props.label}`}
        data-testid={`${props.testId}-copy`}
        onClick={copy}
      >
        {state === "copied" ? "Copied" : state === "select" ? "Select and press Ctrl+C" : "Copy"}
      </button>
      <pre data-testid={props.testId} tabIndex={0}>
        {props.code}
      </pre>
    </div>
  );
}

/** How a user who outgrows the browser trains the same dictionaries on a GPU cluster. */
export function ReproducePanel() {
  const runs = useRunsStore((s) => s.runs);
  const current = useCurrentRun();
  const [pickedId, setPickedId] = useState<string>();
  const dModel = useEngineStore((s) => s.model?.dModel ?? 128);
  const builtin = useEngineStore((s) => (s.model?.source.kind ?? "builtin") === "builtin");
  const run = runs.find((r) => r.id === pickedId) ?? current;
  if (!run) return null;
  const script = saelensScript(run, dModel, MODEL_DIR);
  const sparsify = sparsifyCommand(run, MODEL_DIR);
  const preset = syntheticPresetOf(run.config);
  return (
    <section className="reproduce" aria-label="Reproduce in Python" data-testid="reproduce">
      <h2>Reproduce in Python</h2>
      <label className="reproduce-run">
        Run{" "}
        <select
          data-testid="reproduce-run"
          value={run.id}
          onChange={(e) => setPickedId(e.target.value)}
        >
          {[...runs].reverse().map((r) => (
            <option key={r.id} value={r.id}>
              {runTitle(r)} · {r.label}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">
        {builtin ? (
          <>
            The model: save <a href={`${BUILTIN}config.json`}>config.json</a> and{" "}
            <a href={`${BUILTIN}model.safetensors`} download>
              model.safetensors
            </a>{" "}
            into a folder <code>{MODEL_DIR}</code> (a Hugging Face GPT-2 folder, without tokenizer
            files: GPT-2&apos;s tokenizer is used).
          </>
        ) : (
          <>
            The model: your checkpoint as a Hugging Face folder named <code>{MODEL_DIR}</code> (
            <code>npm run convert</code> writes one).
          </>
        )}{" "}
        The dataset must already hold GPT-2 tokens.
      </p>
      {preset && (
        <p className="notice" data-testid="reproduce-synthetic">
          This run trained on the synthetic model <code>{preset}</code>, not on the language model:
          the code below trains the same dictionaries on the model&apos;s activations. From a
          checkout of this playground,{" "}
          <code>
            npm run train -- --synthetic {preset} --kind {kindsOf(run)} --d-sae{" "}
            {run.config.dictionaries[0]?.dSae} …
          </code>{" "}
          (with its other settings) trains them on the synthetic model, and{" "}
          <code>npm run synth-eval -- --dict DIR --synthetic {preset}</code> scores saved weights
          against its planted features.
        </p>
      )}
      {run.config.dictionaries.length > 2 && (
        <p className="notice" data-testid="reproduce-many">
          This run trains {run.config.dictionaries.length} dictionaries; the code below is for the
          first of each kind ({firstOfKinds(run)}): change its{" "}
          {run.config.sweep ? run.config.sweep.setting : "layer"} for the others, or run{" "}
          <code>npm run train -- --sweep</code> / <code>--layers</code> to train them all on one
          stream.
        </p>
      )}
      {script && (
        <>
          <h3>SAE: SAELens 6</h3>
          <CodeBlock code={script} testId="reproduce-saelens" label="SAELens script" />
        </>
      )}
      {sparsify.command && (
        <>
          <h3>Transcoder: the nearest sparsify command</h3>
          <p className="muted">SAELens cannot train transcoders; sparsify can, differently:</p>
          <CodeBlock code={sparsify.command} testId="reproduce-sparsify" label="sparsify command" />
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

/** "sae,transcoder": the run's kinds as `npm run train --kind` lists them. */
function kindsOf(run: RunRecord): string {
  return [...new Set(run.config.dictionaries.map((d) => d.kind))].join(",");
}

/** "sae.L3.k4, transcoder.L3.k4": the dictionaries the scripts reproduce. */
function firstOfKinds(run: RunRecord): string {
  const ds = run.config.dictionaries;
  return ds
    .filter((d, i) => ds.findIndex((x) => x.kind === d.kind) === i)
    .map((d) => d.id)
    .join(", ");
}
