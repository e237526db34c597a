import { describe, expect, it } from "vitest";
import type { SyntheticEvalResult } from "../../engine/synthetic/metrics.ts";
import { similarityHeatmap } from "../../engine/synthetic/similarity.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import type { FinalTruth } from "../../worker/syntheticProtocol.ts";
import { SOFTWARE_DEFAULTS } from "../state/defaults.ts";
import { meanBestAbsCos, similarityView, windowNote } from "./similarityView.ts";

const metrics: SyntheticEvalResult = {
  mcc: 0.5,
  uniqueness: 1,
  classification: { precision: 0.5, recall: 0.5, f1_score: 0.5, accuracy: 0.9 },
  true_l0: 4,
  sae_l0: 4,
  dead_latents: 0,
  shrinkage: 1,
  explained_variance: 0.8,
};

// 3 latents × 4 features. Latent 0 matches feature 2 best, latent 1 feature 0, latent 2
// feature 1 (by |cos|: its −0.9): SAELens's order is latents 1, 2, 0.
const decoderCos = [0.1, 0.2, 0.8, 0, 0.7, 0.1, 0, 0, 0.3, -0.9, 0.2, 0.1];
const encoderCos = decoderCos.map((c) => c / 2);

function run(extra: Partial<RunRecord>, dSae = 3): RunRecord {
  const config = {
    ...SOFTWARE_DEFAULTS,
    data: { kind: "synthetic", preset: "tiny" } as const,
    dictionaries: SOFTWARE_DEFAULTS.dictionaries.map((d) => ({ ...d, dSae })),
  };
  return {
    id: "r",
    createdAt: 0,
    config,
    label: "",
    color: 0,
    status: "done",
    step: 4,
    tokens: 256,
    histories: {},
    liveEvals: {},
    evals: {},
    changes: [],
    visible: true,
    elapsedMs: 0,
    ...extra,
  };
}

const truth = (heatmap?: FinalTruth["heatmap"]): FinalTruth => ({
  metrics,
  samples: 4096,
  ...(heatmap ? { heatmap } : {}),
});

describe("the similarity heatmap of a synthetic run's dictionary", () => {
  it("shows an SAE's decoder panel with its latents in SAELens's order", () => {
    const heatmap = similarityHeatmap(decoderCos, 3, 4);
    const view = similarityView(run({ truth: { sae: truth(heatmap) } }), "sae");
    if (view.state !== "ready") throw new Error(view.reason);
    expect([...view.latents]).toEqual([1, 2, 0]);
    expect(view.panels.map((p) => p.title)).toEqual(["decoder · W_dec vs u"]);
    // Row 0 is latent 1's cosines, rounded to 2 decimals.
    expect([...view.panels[0]!.values.slice(0, 4)].map((v) => Number(v.toFixed(2)))).toEqual([
      0.7, 0.1, 0, 0,
    ]);
    expect(view.numFeatures).toBe(384);
    expect(windowNote(view)).toBe("3 of 3 latents × features 0–3 of 384");
  });

  it("shows a transcoder's both sides: encoder against u, decoder against v", () => {
    const heatmap = similarityHeatmap(decoderCos, 3, 4, { encoderCos });
    const view = similarityView(run({ truth: { transcoder: truth(heatmap) } }), "transcoder");
    if (view.state !== "ready") throw new Error(view.reason);
    expect(view.panels.map((p) => p.title)).toEqual([
      "encoder · W_encᵀ vs u",
      "decoder · W_dec vs v",
    ]);
    expect(view.panels[0]!.values[0]).toBeCloseTo(0.35, 6);
  });

  it("says why there is nothing to draw, case by case", () => {
    const reason = (r: RunRecord, id = "sae") => {
      const view = similarityView(r, id);
      return view.state === "empty" ? view.reason : "drawn";
    };
    expect(reason(run({ status: "running" }))).toContain("measured when the run ends");
    expect(reason(run({ status: "stopped" }))).toContain("Evaluate (in Runs)");
    expect(reason(run({ status: "interrupted" }))).toContain("Resume it");
    expect(reason(run({ status: "failed" }))).toContain("failed");
    expect(reason(run({ truth: { sae: truth() } }))).toContain(
      "saved without the similarity matrix",
    );
    const model = run({});
    delete model.config.data;
    expect(reason(model)).toContain("no planted features");
    expect(reason(run({}), "nope")).toBe('This run has no dictionary "nope".');
    const heatmap = similarityHeatmap(decoderCos, 3, 4);
    const broken = { ...heatmap, decoder: heatmap.decoder.slice(0, 5) };
    expect(reason(run({ truth: { sae: truth(broken) } }))).toBe(
      "The saved decoder · W_dec vs u matrix holds 5 values, not 3 latents × 4 features: it cannot be drawn.",
    );
    const huge = { ...heatmap, latents: new Int32Array(2048), features: 1024 };
    expect(reason(run({ truth: { sae: truth(huge) } }))).toContain("too big to draw here");
  });

  it("names the whole matrix when the window is all of it", () => {
    const heatmap = similarityHeatmap(decoderCos, 3, 4);
    const view = similarityView(run({ truth: { sae: truth(heatmap) } }), "sae");
    if (view.state !== "ready") throw new Error(view.reason);
    expect(windowNote({ ...view, numFeatures: 4 })).toBe("all 3 latents × 4 features");
  });

  it("averages each latent's largest |cos|", () => {
    expect(meanBestAbsCos(decoderCos, 3, 4)).toBeCloseTo((0.8 + 0.7 + 0.9) / 3, 12);
    expect(meanBestAbsCos([], 0, 4)).toBeNaN();
  });
});
