import { describe, expect, it } from "vitest";
import type { DictionaryEvaluation } from "../engine/stream/streamSession.ts";
import type { RunRecord } from "../storage/runRecord.ts";
import { seedsOf } from "../storage/runRecord.ts";
import { GPU_DEFAULTS } from "../ui/state/defaults.ts";
import { runFiles } from "./runExportFiles.ts";

const point = {
  step: 10,
  mse_loss: 0.25,
  l1_loss: 0.1,
  loss: 0.35,
  l0: 9,
  explained_variance: 0.5,
  fvu: 0.5,
  dead_features: 3,
  grad_norm: 1,
  lr: 0.003,
  l1_coefficient: 0.3,
};
const run: RunRecord = {
  id: "run-x",
  createdAt: 0,
  config: { ...GPU_DEFAULTS, seed: 7 },
  seeds: seedsOf({ ...GPU_DEFAULTS, seed: 7 }),
  label: "",
  color: 0,
  status: "done",
  step: 10,
  tokens: 10_240,
  histories: { transcoder: [{ ...point, tokens: 10_240, tokensPerSecond: 900 }] },
  liveEvals: {},
  evals: { transcoder: { ce_loss_score: 0.5 } as DictionaryEvaluation },
  changes: [],
  visible: true,
  elapsedMs: 0,
};

describe("a run's download files", () => {
  it("carry each dictionary's own seed, its logged steps as the CLI logs them, and its eval", () => {
    const files = runFiles(run, "transcoder");
    expect(files.metadata).toEqual({ seed: run.seeds!.transcoder });
    expect(run.seeds!.transcoder).not.toBe(run.seeds!.sae);
    expect(files.metrics).toEqual([point]);
    expect(files.evaluation).toEqual({ ce_loss_score: 0.5 });
    expect(runFiles(run, "sae")).toEqual({ metadata: { seed: run.seeds!.sae }, metrics: [] });
  });

  it("gives a run from before per-dictionary seeds the run's seed, as it was trained", () => {
    const { seeds: _seeds, ...old } = run;
    expect(runFiles(old, "sae").metadata).toEqual({ seed: 7 });
  });
});
