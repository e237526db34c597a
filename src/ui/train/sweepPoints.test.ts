import { describe, expect, it } from "vitest";
import type { LiveTruthPoint } from "../../engine/stream/syntheticGroundTruth.ts";
import type { MetricPoint, RunRecord } from "../../storage/runRecord.ts";
import { SOFTWARE_DEFAULTS } from "../state/defaults.ts";
import { kindFrontier, panelPoints, sweepPoints } from "./sweepPoints.ts";

const logged = (l0: number, fvu: number): MetricPoint =>
  ({ step: 10, l0, fvu, tokens: 640, tokensPerSecond: 1 }) as MetricPoint;

const truth = (f1: number, l0: number): LiveTruthPoint => ({
  step: 10,
  mcc: 0.5,
  f1_score: f1,
  precision: f1,
  recall: f1,
  uniqueness: 1,
  sae_l0: l0,
  explained_variance: 0.6,
});

const run: RunRecord = {
  id: "r",
  createdAt: 0,
  config: { ...SOFTWARE_DEFAULTS, data: { kind: "synthetic", preset: "tiny" } },
  label: "",
  color: 0,
  status: "running",
  step: 10,
  tokens: 640,
  histories: { sae: [logged(8, 0.3)], transcoder: [logged(16, 0.5)] },
  liveEvals: {},
  evals: {},
  truthPoints: { sae: [truth(0.2, 7.5)] },
  changes: [],
  visible: true,
  elapsedMs: 0,
};

describe("a sweep's live frontier points", () => {
  it("puts F1 at the L0 it was measured with, and leaves out a dictionary without truth", () => {
    const points = sweepPoints(run);
    const f1 = panelPoints(run, points, "f1");
    expect(f1.map((p) => [p.id, p.l0, p.value])).toEqual([["sae", 7.5, 0.2]]);
    expect(kindFrontier(f1, "sae")).toEqual([{ l0: 7.5, value: 0.2 }]);
    expect(kindFrontier(f1, "transcoder")).toEqual([]);
  });

  it("reads FVU at the logged L0 and skips the CE panel's points a synthetic run lacks", () => {
    const points = sweepPoints(run);
    expect(panelPoints(run, points, "fvu").map((p) => [p.id, p.l0, p.value])).toEqual([
      ["sae", 8, 0.3],
      ["transcoder", 16, 0.5],
    ]);
    expect(panelPoints(run, points, "ce")).toEqual([]);
  });
});
