/**
 * What the similarity heatmap of one dictionary of a synthetic run shows: the saved matrix's
 * panels (a transcoder's encoder against u and decoder against v, an SAE's decoder against u),
 * or, when there is nothing to draw, why in words.
 */
import { SYNTHETIC_PRESETS } from "../../engine/synthetic/syntheticPresets.ts";
import type { SimilarityHeatmap } from "../../engine/synthetic/similarity.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";

/** Cells drawn at most (a 1024 × 1024 window); the worker saves 128 × 128. */
export const MAX_DRAWN_CELLS = 1024 * 1024;

export interface SimilarityPanel {
  /** "encoder · W_encᵀ vs u": the side, and the vectors compared. */
  title: string;
  /** [latents, features], signed cosines rounded to 2 decimals. */
  values: Float32Array;
}

export type SimilarityView =
  | {
      state: "ready";
      panels: SimilarityPanel[];
      /** The rows' latent indices, in SAELens's order (by best-matching feature). */
      latents: Int32Array;
      features: number;
      /** The whole matrix's size, of which the panels are the top-left window. */
      dSae: number;
      numFeatures: number;
    }
  | { state: "empty"; reason: string };

const empty = (reason: string): SimilarityView => ({ state: "empty", reason });

/** Why a synthetic run has no final ground truth for this dictionary yet. */
function missingTruthReason(run: RunRecord): string {
  switch (run.status) {
    case "running":
    case "paused":
      return "The heatmap is drawn from the final ground truth, measured when the run ends.";
    case "stopped":
      return "This run stopped before its final ground truth: Evaluate (in Runs) scores its saved weights and draws the heatmap.";
    case "interrupted":
      return "This run was interrupted before its final ground truth: Resume it in Runs to finish it and draw the heatmap.";
    case "failed":
      return "This run failed before its final ground truth, so there is no matrix to draw.";
    case "done":
      return "This run ended without its final ground truth, so there is no matrix to draw.";
  }
}

function panelsOf(heatmap: SimilarityHeatmap, transcoder: boolean): SimilarityPanel[] {
  if (!transcoder) return [{ title: "decoder · W_dec vs u", values: heatmap.decoder }];
  return [
    ...(heatmap.encoder ? [{ title: "encoder · W_encᵀ vs u", values: heatmap.encoder }] : []),
    { title: "decoder · W_dec vs v", values: heatmap.decoder },
  ];
}

/** The saved heatmap of one dictionary of a run, checked, or the reason it cannot be drawn. */
export function similarityView(run: RunRecord, id: string): SimilarityView {
  const preset = syntheticPresetOf(run.config);
  if (!preset)
    return empty("This run trained on the built-in model, which has no planted features.");
  const dict = run.config.dictionaries.find((d) => d.id === id);
  if (!dict) return empty(`This run has no dictionary "${id}".`);
  const truth = run.truth?.[id];
  if (!truth) return empty(missingTruthReason(run));
  const heatmap = truth.heatmap;
  if (!heatmap) {
    return empty(
      "This run's final metrics were saved without the similarity matrix (a run from before it was kept): train it again to see it.",
    );
  }
  const rows = heatmap.latents.length;
  const { features } = heatmap;
  if (rows === 0 || features === 0) {
    return empty(
      `No latent's best match lies among the first ${features} features, so the window holds no row.`,
    );
  }
  if (rows * features > MAX_DRAWN_CELLS) {
    return empty(
      `The saved matrix (${rows} latents × ${features} features) is too big to draw here: npm run synth-eval scores the downloaded weights.`,
    );
  }
  const panels = panelsOf(heatmap, dict.kind === "transcoder");
  const bad = panels.find((p) => p.values.length !== rows * features);
  if (bad) {
    return empty(
      `The saved ${bad.title} matrix holds ${bad.values.length} values, not ${rows} latents × ${features} features: it cannot be drawn.`,
    );
  }
  return {
    state: "ready",
    panels,
    latents: heatmap.latents,
    features,
    dSae: dict.dSae,
    numFeatures: SYNTHETIC_PRESETS[preset].num_features,
  };
}

/** "26 of 64 latents × features 0–127 of 384", or "all 64 latents × 384 features". */
export function windowNote(view: Extract<SimilarityView, { state: "ready" }>): string {
  const rows = view.latents.length;
  const all = rows === view.dSae && view.features === view.numFeatures;
  if (all) return `all ${view.dSae} latents × ${view.numFeatures} features`;
  return `${rows} of ${view.dSae} latents × features 0–${view.features - 1} of ${view.numFeatures}`;
}

/** What a window leaves out, in words. */
export const WINDOW_MEANING =
  "The top-left corner of SAELens's figure: the first features, and the latents whose best match is among them.";

/** The mean over rows of each latent's largest |cos| in the window: near 1 when each found one. */
export function meanBestAbsCos(values: ArrayLike<number>, rows: number, cols: number): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 0; c < cols; c++) best = Math.max(best, Math.abs(values[r * cols + c]!));
    sum += best;
  }
  return rows > 0 ? sum / rows : NaN;
}
