import type { RunRecord } from "../../storage/runRecord.ts";
import { dictionaryLook } from "../train/dictionaryLook.ts";
import { KIND_COLORS, KIND_LABELS } from "../train/seriesColors.ts";
import { HeatmapCanvas } from "./HeatmapCanvas.tsx";
import { rdbuGradient } from "./rdbu.ts";
import { similarityView, WINDOW_MEANING, windowNote } from "./similarityView.ts";
import "./SimilarityHeatmaps.css";

/** The one line under a heatmap's title (the Train view shows the short one, the long on hover). */
export const SIMILARITY_EXPLANATION =
  "Signed cosine of each latent's vector with each planted feature's, latents sorted by their " +
  "best match (SAELens's plot_sae_feature_similarity): features a dictionary recovered form a " +
  "diagonal of dark blue cells.";
export const SIMILARITY_SHORT =
  "Signed cosine, latents sorted by best-matching feature: recovered features form a diagonal.";

/** The shared RdBu scale, −1 to 1, labelled as SAELens labels it. */
export function CosineColorBar() {
  return (
    <div className="cos-colorbar" aria-hidden>
      <span className="cos-colorbar-title small">cos sim</span>
      <div className="cos-colorbar-body">
        <div className="cos-colorbar-ramp" style={{ background: rdbuGradient() }} />
        <div className="cos-colorbar-ticks mono">
          <span>1</span>
          <span>0</span>
          <span>−1</span>
        </div>
      </div>
    </div>
  );
}

/** One dictionary's panels (or why it has none), under its name and the window shown. */
function DictionaryHeatmaps(props: { run: RunRecord; id: string }) {
  const { run, id } = props;
  const view = similarityView(run, id);
  const look = dictionaryLook(run.config, id);
  const name = look.label ?? KIND_LABELS[look.kind] ?? id;
  const color = look.color ?? KIND_COLORS[look.kind];
  if (view.state === "empty") {
    return (
      <div className="heatmap-dictionary heatmap-empty" data-testid={`similarity-empty-${id}`}>
        <span className="small heatmap-name" style={{ color }}>
          {name}
        </span>
        <p className="muted small">{view.reason}</p>
      </div>
    );
  }
  return (
    <div
      className="heatmap-dictionary"
      data-testid={`similarity-${id}`}
      style={{ flexGrow: view.panels.length }}
    >
      <span className="small heatmap-window" title={`${windowNote(view)}. ${WINDOW_MEANING}`}>
        <span className="heatmap-name" style={{ color }}>
          {name}
        </span>{" "}
        <span className="muted">{windowNote(view)}</span>
      </span>
      <div className="heatmap-panels">
        {view.panels.map((panel, i) => (
          <HeatmapCanvas
            key={panel.title}
            title={panel.title}
            dictionary={name}
            values={panel.values}
            latents={view.latents}
            features={view.features}
            testId={`similarity-heatmap-${id}-${i}`}
          />
        ))}
      </div>
    </div>
  );
}

/** The similarity heatmaps of some dictionaries of a synthetic run, with one colour bar. */
export function SimilarityHeatmaps(props: { run: RunRecord; ids: string[] }) {
  return (
    <div className="similarity-heatmaps" data-testid="similarity-heatmaps">
      {props.ids.map((id) => (
        <DictionaryHeatmaps key={id} run={props.run} id={id} />
      ))}
      <CosineColorBar />
    </div>
  );
}
