import { describe, expect, it } from "vitest";
import { estimateRun } from "../../engine/stream/runEstimate.ts";
import { RUN_CONTEXT_MAX, STREAM_ROWS_PER_FORWARD } from "../../worker/streamRun.ts";
import { SOFTWARE_DEFAULTS } from "../state/defaults.ts";
import { expandRunConfig } from "../state/runExpansion.ts";
import { NORM_SCALE_WINDOWS } from "../../engine/stream/normScales.ts";
import {
  ESTIMATE_CONTEXT_MAX,
  ESTIMATE_NORM_WINDOWS,
  ESTIMATE_ROWS_PER_FORWARD,
  runEstimateInput,
} from "./runEstimateInput.ts";

const MODEL = { nLayer: 4, dModel: 128, dMlp: 512, nHead: 4, vocabSize: 50257, nCtx: 256 };
const SWIFTSHADER = {
  name: "swiftshader",
  software: true,
  maxBufferSize: 2 ** 31,
  maxStorageBufferBindingSize: 2 ** 31,
  flopsPerSecond: 1e9,
  memoryBytes: 8e9,
  deviceMemoryGb: 16,
};

describe("runEstimateInput", () => {
  it("shapes the store as StreamRun does", () => {
    expect(ESTIMATE_ROWS_PER_FORWARD).toBe(STREAM_ROWS_PER_FORWARD);
    expect(ESTIMATE_CONTEXT_MAX).toBe(RUN_CONTEXT_MAX);
    expect(ESTIMATE_NORM_WINDOWS).toBe(NORM_SCALE_WINDOWS);
    const i = runEstimateInput({ ...SOFTWARE_DEFAULTS, batchSize: 65536 }, MODEL, SWIFTSHADER);
    expect([i.contextSize, i.seqsPerForward, i.bufferBatches]).toEqual([128, 8, 128]);
  });

  it("estimates every dictionary of a sweep, each at its own layer", () => {
    const c = expandRunConfig({
      ...SOFTWARE_DEFAULTS,
      layers: [0, 2],
      sweep: { setting: "k", values: [4, 16] },
    });
    const i = runEstimateInput(c, MODEL, SWIFTSHADER);
    expect(i.dictionaries.map((d) => `${d.id}@${d.layer}:${d.k}`)).toEqual(
      c.dictionaries.map((d) => `${d.id}@${d.layer}:${d.k}`),
    );
    const e = estimateRun(i);
    expect(new Set(e.buffers.map((b) => b.owner)).size).toBe(8 + 2);
  });

  it("refuses the issue's batch 65536 with d_sae 65536, naming the memory and the guess", () => {
    const c = {
      ...SOFTWARE_DEFAULTS,
      batchSize: 65536,
      dictionaries: SOFTWARE_DEFAULTS.dictionaries.map((d) => ({
        ...d,
        dSae: 65536,
        architecture: "standard" as const,
      })),
    };
    const e = estimateRun(runEstimateInput(c, MODEL, SWIFTSHADER));
    expect(e.refusal).toMatch(
      /needs ≈ \d+\.\d GB of GPU memory .* over the ≈ 8\.0 GB this adapter can use \(a guess: half this machine's 16 GB\)/,
    );
  });
});
