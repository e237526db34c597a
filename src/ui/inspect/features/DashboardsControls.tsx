import { useState } from "react";
import { fileSafe } from "../../../storage/runNames.ts";
import { NumberField } from "../../NumberField.tsx";
import { useEngineStore } from "../../state/engineStore.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";
import {
  choiceKey,
  DEFAULT_DASHBOARD_TOKENS as DEFAULT_TOKENS,
  useDictionaryChoices,
} from "./dictionaryChoices.ts";
import { FeaturesProgress } from "./FeaturesProgress.tsx";

/** The built-in corpus's held-out slice: 510 windows of 128 tokens. */
const MAX_TOKENS = 65_280;

/** Which dictionary, how many tokens, Run / Cancel, and Export JSON. */
export function DashboardsControls() {
  const choices = useDictionaryChoices();
  const software = useEngineStore((s) => s.adapter?.software);
  const phase = useFeaturesStore((s) => s.phase);
  const error = useFeaturesStore((s) => s.error);
  const shownLabel = useFeaturesStore((s) => s.dashboards?.label);
  const ready = shownLabel !== undefined;
  const exporting = useFeaturesStore((s) => s.exporting);
  const exportError = useFeaturesStore((s) => s.exportError);
  const chosenRef = useFeaturesStore((s) => s.chosenRef);
  const [tokens, setTokens] = useState<number>();
  const views = useFeaturesStore((s) => s.weightViews);
  // The store's choice, so that a feature opened from the prompt view switches it too.
  const key = chosenRef && choiceKey(chosenRef);
  const chosen = choices.find((c) => c.key === key) ?? choices[0];
  const n = tokens ?? (software === false ? DEFAULT_TOKENS.gpu : DEFAULT_TOKENS.software);
  const store = useFeaturesStore.getState();
  const running = phase === "running";
  return (
    <div className="dash-controls">
      <div className="dash-row">
        <label className="dash-dict">
          <span>Dictionary</span>
          <select
            data-testid="dash-dictionary"
            value={chosen?.key ?? ""}
            disabled={choices.length === 0}
            onChange={(e) => {
              const c = choices.find((x) => x.key === e.target.value);
              if (c) store.choose(c.ref);
            }}
          >
            {choices.length === 0 && <option value="">none yet</option>}
            {choices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <NumberField
          label="Tokens"
          value={n}
          min={128}
          max={MAX_TOKENS}
          integer
          onChange={setTokens}
          testId="dash-tokens"
        />
        <label className="dash-views" title="Logits, de-embeddings and decoder neighbours">
          <input
            type="checkbox"
            checked={views}
            data-testid="dash-views"
            onChange={(e) => store.setWeightViews(e.target.checked)}
          />
          <span>Weight views</span>
        </label>
        <button
          type="button"
          className="primary"
          disabled={!chosen || running}
          onClick={() => chosen && store.run(chosen.ref, n)}
        >
          Run
        </button>
        <button
          type="button"
          disabled={!ready || exporting}
          onClick={() => store.exportJson(`${fileSafe(shownLabel ?? "dictionary")}-features.json`)}
        >
          Export JSON
        </button>
      </div>
      <p className="muted small">
        Reads the first tokens of the held-out slice of the Brown corpus in whole windows of 128 (at
        most {MAX_TOKENS.toLocaleString()}), <code>&lt;|endoftext|&gt;</code> left out.
        {choices.length === 0 &&
          " Train a run to the end or load a dictionary that fits the model to inspect it."}
      </p>
      {running && <FeaturesProgress onCancel={store.cancel} />}
      {phase === "error" && error && (
        <p className="alert" role="alert" data-testid="dash-error">
          {error}
        </p>
      )}
      {exportError && (
        <p className="alert" role="alert">
          Export failed: {exportError}
        </p>
      )}
    </div>
  );
}
