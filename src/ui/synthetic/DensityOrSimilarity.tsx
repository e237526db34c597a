import { useState } from "react";
import type { RunRecord } from "../../storage/runRecord.ts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";
import { useCurrentRun } from "../state/runsStore.ts";
import { LiveDensity } from "../train/LiveDensity.tsx";
import {
  SIMILARITY_EXPLANATION,
  SIMILARITY_SHORT,
  SimilarityHeatmaps,
} from "./SimilarityHeatmaps.tsx";
import "./SimilarityHeatmaps.css";

type Shown = "similarity" | "density";

const DENSITY_EXPLANATION =
  "log10 of each latent's firing frequency over the latest training window.";

/**
 * A synthetic run's bottom row: while it trains its live feature density, once it has ended the
 * similarity of its latents to the planted features; either on request.
 */
function SyntheticBottom(props: { run: RunRecord }) {
  const { run } = props;
  const [choice, setChoice] = useState<Shown>();
  const ended = run.status !== "running" && run.status !== "paused";
  const shown = choice ?? (ended ? "similarity" : "density");
  const button = (mode: Shown, label: string) => (
    <button
      type="button"
      aria-pressed={shown === mode}
      data-testid={`bottom-${mode}`}
      onClick={() => setChoice(mode)}
    >
      {label}
    </button>
  );
  return (
    <section
      className="chart synthetic-bottom"
      aria-label={shown === "similarity" ? "Similarity to the planted features" : "Feature density"}
    >
      <div className="synthetic-bottom-head">
        <div className="bottom-mode" role="group" aria-label="Show">
          {button("similarity", "Similarity to planted features")}
          {button("density", "Feature density")}
        </div>
        <span
          className="muted small"
          title={shown === "similarity" ? SIMILARITY_EXPLANATION : DENSITY_EXPLANATION}
        >
          {shown === "similarity" ? SIMILARITY_SHORT : DENSITY_EXPLANATION}
        </span>
      </div>
      {shown === "similarity" ? (
        <SimilarityHeatmaps run={run} ids={run.config.dictionaries.map((d) => d.id)} />
      ) : (
        <LiveDensity />
      )}
    </section>
  );
}

/** The Train view's bottom row: density histograms, or for a synthetic run also its heatmaps. */
export function DensityOrSimilarity() {
  const run = useCurrentRun();
  if (!run || !syntheticPresetOf(run.config)) return <LiveDensity />;
  return <SyntheticBottom key={run.id} run={run} />;
}
