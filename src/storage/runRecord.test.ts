import { describe, expect, it } from "vitest";
import type { StreamRunConfig } from "../worker/protocol.ts";
import { seedsOf, withDictionaryIds, type RunRecord } from "./runRecord.ts";

/** A record as runs saved before dictionary ids stored it: dictionaries keyed by kind only. */
function oldRecord(): RunRecord {
  const config = {
    layer: 3,
    dictionaries: [
      { kind: "sae", site: "hook_mlp_out", dSae: 512, l1Coefficient: 0.3, lr: 3e-3 },
      { kind: "transcoder", dSae: 512, l1Coefficient: 0.3, lr: 3e-3 },
    ],
    batchSize: 128,
    steps: 10,
    seed: 7,
    logEvery: 5,
    processing: true,
    normalize: "expected_average_only_in",
    evalSequences: 4,
    liveEvalEvery: 0,
  } as unknown as StreamRunConfig;
  return {
    id: "run-old",
    createdAt: 1,
    config,
    label: "",
    color: 0,
    status: "done",
    step: 10,
    tokens: 1280,
    histories: { sae: [], transcoder: [] },
    liveEvals: {},
    evals: {},
    changes: [],
    visible: true,
    elapsedMs: 0,
  };
}

describe("withDictionaryIds", () => {
  it("gives a record saved before ids its kinds as ids, the keys of its histories", () => {
    const run = withDictionaryIds(oldRecord());
    expect(run.config.dictionaries.map((d) => d.id)).toEqual(["sae", "transcoder"]);
    for (const d of run.config.dictionaries) expect(run.histories[d.id]).toBeDefined();
    // The seeds a new run of it gets are the ones the old run had (keyed by kind).
    expect(Object.keys(seedsOf(run.config))).toEqual(["sae", "transcoder"]);
  });

  it("leaves a record with ids as it is", () => {
    const run = withDictionaryIds(oldRecord());
    expect(withDictionaryIds(run)).toBe(run);
  });
});
