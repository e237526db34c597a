import { useState } from "react";
import { usePromptStore } from "../../state/promptStore.ts";
import {
  choiceKey,
  useDictionaryChoices,
  type DictionaryChoice,
} from "../features/dictionaryChoices.ts";
import { PromptFeatures } from "./PromptFeatures.tsx";
import { PromptSteering } from "./PromptSteering.tsx";
import { PromptTokens } from "./PromptTokens.tsx";
import "./Prompt.css";

const NONE = "";

/** A run's other dictionary (its SAE beside its transcoder), else nothing. */
function partnerOf(choices: DictionaryChoice[], first: DictionaryChoice | undefined): string {
  if (first?.ref.kind !== "run") return NONE;
  const { runId } = first.ref;
  const other = choices.find(
    (c) => c.key !== first.key && c.ref.kind === "run" && c.ref.runId === runId,
  );
  return other?.key ?? NONE;
}

/**
 * Try a prompt: type text, read it with one or two dictionaries (a run's SAE and transcoder at
 * the same layer side by side by default), and see each token's top features.
 */
export function PromptPanel() {
  const choices = useDictionaryChoices();
  const text = usePromptStore((s) => s.text);
  const running = usePromptStore((s) => s.requestId !== undefined);
  const error = usePromptStore((s) => s.error);
  const result = usePromptStore((s) => s.result);
  const store = usePromptStore.getState();
  const [keyA, setKeyA] = useState<string>();
  const [keyB, setKeyB] = useState<string>();
  const a = choices.find((c) => c.key === keyA) ?? choices[0];
  const bKey = keyB ?? partnerOf(choices, a);
  const b = bKey === a?.key ? undefined : choices.find((c) => c.key === bKey);
  const chosen = [a, b].filter((c): c is DictionaryChoice => c !== undefined);
  const canRun = chosen.length > 0 && text.trim() !== "" && !running;
  const run = () => canRun && store.run(chosen.map((c) => c.ref));
  const selected = usePromptStore((s) => s.selected);
  // The shown result read dictionary A first: its strongest feature is where steering starts.
  const readsA = usePromptStore((s) => s.refs[0] !== undefined && choiceKey(s.refs[0]) === a?.key);
  const readA = readsA ? result?.perDictionary[0] : undefined;
  return (
    <section className="inspect-panel prompt-panel" aria-label="Try a prompt">
      <h3>Try a prompt</h3>
      <div className="prompt-controls">
        <textarea
          data-testid="prompt-text"
          aria-label="Prompt text"
          rows={3}
          value={text}
          spellCheck={false}
          onChange={(e) => store.setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              run();
            }
          }}
        />
        <div className="prompt-side">
          <label>
            <span>Dictionary</span>
            <select
              data-testid="prompt-dictionary-a"
              value={a?.key ?? NONE}
              disabled={choices.length === 0}
              onChange={(e) => {
                setKeyA(e.target.value);
                setKeyB(undefined);
              }}
            >
              {choices.length === 0 && <option value={NONE}>none yet</option>}
              {choices.map((c) => (
                <option key={c.key} value={c.key}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>Beside it</span>
            <select
              data-testid="prompt-dictionary-b"
              value={b?.key ?? NONE}
              disabled={choices.length < 2}
              onChange={(e) => setKeyB(e.target.value)}
            >
              <option value={NONE}>none</option>
              {choices
                .filter((c) => c.key !== a?.key)
                .map((c) => (
                  <option key={c.key} value={c.key}>
                    {c.label}
                  </option>
                ))}
            </select>
          </label>
          <div className="prompt-run">
            <button
              type="button"
              className="primary"
              disabled={!canRun}
              onClick={run}
              title="Ctrl+Enter"
              aria-label="Run the prompt"
            >
              {running ? "Running…" : "Run"}
            </button>
            {result && (
              <span className="muted small mono" data-testid="prompt-time">
                {result.tokens.length} tokens · {Math.round(result.ms)} ms
              </span>
            )}
          </div>
        </div>
      </div>
      {choices.length === 0 && (
        <p className="muted small">
          Train a run to the end or load a dictionary that fits the model to read a prompt with it.
        </p>
      )}
      {error && (
        <p className="alert" role="alert" data-testid="prompt-error">
          {error}
        </p>
      )}
      {result && (
        <>
          {result.truncated && (
            <p className="muted small">
              Only the first {result.tokens.length} tokens were read (the model&apos;s run context).
            </p>
          )}
          <PromptTokens result={result} />
          <PromptFeatures result={result} />
        </>
      )}
      {a && (
        <PromptSteering
          dictionary={a.ref}
          dSae={readA?.dSae}
          text={text}
          suggested={readA?.top[selected ?? 0]?.[0]?.[0]}
        />
      )}
    </section>
  );
}
