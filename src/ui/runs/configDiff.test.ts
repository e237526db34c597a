import { describe, expect, it } from "vitest";
import type { StreamRunConfig } from "../../worker/protocol.ts";
import { GPU_DEFAULTS as TOPK_DEFAULTS } from "../state/defaults.ts";
import { configDiffLabel } from "./configDiff.ts";

/** The defaults as they were before the TopK pair: standard ReLU + L1 0.3. */
const GPU_DEFAULTS: StreamRunConfig = {
  ...TOPK_DEFAULTS,
  dictionaries: TOPK_DEFAULTS.dictionaries.map(({ architecture: _a, k: _k, ...d }) => d),
};

describe("configDiffLabel", () => {
  it("names what changed from the previous run, old → new", () => {
    const next = {
      ...GPU_DEFAULTS,
      batchSize: 256,
      dictionaries: GPU_DEFAULTS.dictionaries.map((d) =>
        d.kind === "transcoder" ? { ...d, l1Coefficient: 1 } : d,
      ),
    };
    expect(configDiffLabel(GPU_DEFAULTS, next)).toBe("batch 1024 → 256, transcoder l1 0.3 → 1");
  });

  it("says when a dictionary is dropped, and labels a first run by its settings", () => {
    const noSae = { ...GPU_DEFAULTS, dictionaries: GPU_DEFAULTS.dictionaries.slice(1) };
    expect(configDiffLabel(GPU_DEFAULTS, noSae)).toBe("SAE on → off");
    expect(configDiffLabel(undefined, noSae)).toBe("layer 3, batch 1024, transcoder 2048 l1 0.3");
    expect(configDiffLabel(GPU_DEFAULTS, GPU_DEFAULTS)).toBe("same config");
  });

  it("labels a sweep by its setting and values, and names a changed sweep", () => {
    const sweep: StreamRunConfig = { ...TOPK_DEFAULTS, sweep: { setting: "k", values: [4, 8] } };
    expect(configDiffLabel(undefined, sweep)).toBe(
      "layer 3, batch 1024, sweep k 4,8, SAE 2048 topk k 8, transcoder 2048 topk k 8",
    );
    expect(configDiffLabel(TOPK_DEFAULTS, sweep)).toBe("sweep none → k 4,8");
  });

  it("labels a synthetic run by its preset, not by a layer it does not read", () => {
    const synthetic: StreamRunConfig = {
      ...TOPK_DEFAULTS,
      data: { kind: "synthetic", preset: "tiny" },
    };
    expect(configDiffLabel(undefined, synthetic)).toBe(
      "synthetic tiny, batch 1024, SAE 2048 topk k 8, transcoder 2048 topk k 8",
    );
    expect(configDiffLabel(TOPK_DEFAULTS, synthetic)).toBe("data model → synthetic tiny");
    expect(configDiffLabel(synthetic, { ...synthetic, layer: 1 })).toBe("same config");
  });

  it("names architecture changes and the fields the new architecture reads", () => {
    const topk = {
      ...GPU_DEFAULTS,
      dictionaries: GPU_DEFAULTS.dictionaries.map((d) =>
        d.kind === "transcoder" ? { ...d, architecture: "topk" as const, k: 32 } : d,
      ),
    };
    expect(configDiffLabel(GPU_DEFAULTS, topk)).toBe(
      "transcoder arch standard → topk, transcoder k 32",
    );
    const skip = {
      ...topk,
      dictionaries: topk.dictionaries.map((d) =>
        d.kind === "transcoder" ? { ...d, k: 16, skip: true } : d,
      ),
    };
    expect(configDiffLabel(topk, skip)).toBe("transcoder k 32 → 16, transcoder skip off → on");
    expect(configDiffLabel(undefined, skip)).toBe(
      "layer 3, batch 1024, SAE 2048 l1 0.3, transcoder 2048 topk k 16 skip",
    );
  });

  it("states every value exactly, however many digits it has", () => {
    const wide = {
      ...GPU_DEFAULTS,
      batchSize: 16384,
      dictionaries: GPU_DEFAULTS.dictionaries.map((d) =>
        d.kind === "sae"
          ? { ...d, dSae: 65536, lr: 0.000123456 }
          : { ...d, l1Coefficient: 1.23456 },
      ),
    };
    expect(configDiffLabel(GPU_DEFAULTS, wide)).toBe(
      "batch 1024 → 16384, SAE d_sae 2048 → 65536, SAE lr 0.003 → 0.000123456, " +
        "transcoder l1 0.3 → 1.23456",
    );
    expect(configDiffLabel(undefined, wide)).toBe(
      "layer 3, batch 16384, SAE 65536 l1 0.3, transcoder 2048 l1 1.23456",
    );
  });
});
