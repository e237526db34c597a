import { useState } from "react";
import { runTitle } from "../../storage/runNames.ts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { SIMILARITY_EXPLANATION, SimilarityHeatmaps } from "../synthetic/SimilarityHeatmaps.tsx";
import { dictionaryLook } from "../train/dictionaryLook.ts";
import { KIND_LABELS } from "../train/seriesColors.ts";

/**
 * The similarity heatmaps of a synthetic run picked here (the newest by default): a pair's two
 * dictionaries side by side, one at a time for a run of more.
 */
export function RunsSimilarity() {
  const runs = useRunsStore((s) => s.runs);
  const [pickedRun, setPickedRun] = useState<string>();
  const [pickedDictionary, setPickedDictionary] = useState<string>();
  const synthetic = runs.filter((r) => syntheticPresetOf(r.config) !== undefined).reverse();
  const run = synthetic.find((r) => r.id === pickedRun) ?? synthetic[0];
  if (!run) return null;
  const dictionaries = run.config.dictionaries;
  const many = dictionaries.length > 2;
  const picked = dictionaries.find((d) => d.id === pickedDictionary) ?? dictionaries[0];
  const ids = many && picked ? [picked.id] : dictionaries.map((d) => d.id);
  return (
    <section
      className="chart runs-similarity"
      aria-label="Similarity to the planted features"
      data-testid="runs-similarity"
    >
      <div className="runs-similarity-head">
        <span className="chart-title">Similarity to the planted features</span>
        <label className="small">
          Run{" "}
          <select
            data-testid="similarity-run"
            value={run.id}
            onChange={(e) => setPickedRun(e.target.value)}
          >
            {synthetic.map((r) => (
              <option key={r.id} value={r.id}>
                {runTitle(r)} · {r.label}
              </option>
            ))}
          </select>
        </label>
        {many && (
          <label className="small">
            Dictionary{" "}
            <select
              data-testid="similarity-dictionary"
              value={picked?.id}
              onChange={(e) => setPickedDictionary(e.target.value)}
            >
              {dictionaries.map((d) => {
                const look = dictionaryLook(run.config, d.id);
                return (
                  <option key={d.id} value={d.id}>
                    {look.label ?? KIND_LABELS[d.kind] ?? d.id}
                  </option>
                );
              })}
            </select>
          </label>
        )}
      </div>
      <p className="muted small runs-similarity-explanation">{SIMILARITY_EXPLANATION}</p>
      <SimilarityHeatmaps run={run} ids={ids} />
    </section>
  );
}
