import { describe, expect, it } from "vitest";
import { dictionarySeed } from "./dictionarySeed.ts";
import { checkSweep, expandSweep, parseLayers, parseSweep } from "./sweep.ts";

describe("parseSweep", () => {
  it("reads a setting and its values", () => {
    expect(parseSweep("k=8,16,32,64")).toEqual({ setting: "k", values: [8, 16, 32, 64] });
    expect(parseSweep("lr=3e-4, 1e-3")).toEqual({ setting: "lr", values: [3e-4, 1e-3] });
    expect(parseSweep("architecture=standard,topk")).toEqual({
      setting: "architecture",
      values: ["standard", "topk"],
    });
  });

  it("refuses what it cannot read, saying what it expects", () => {
    expect(() => parseSweep("k")).toThrow(/SETTING=V1,V2/);
    expect(() => parseSweep("width=8")).toThrow(/cannot sweep "width": the settings are k, /);
    expect(() => parseSweep("k=8,,16")).toThrow(/an empty value/);
    expect(() => parseSweep("k=0,8")).toThrow(/sweep k: expects numbers > 0, got "0"/);
    expect(() => parseSweep("d_sae=64,1.5")).toThrow(/integers >= 1, got "1.5"/);
    expect(() => parseSweep("l1_coefficient=-1")).toThrow(/numbers >= 0, got "-1"/);
    expect(() => parseSweep("lr=fast")).toThrow(/expects numbers, got "fast"/);
    expect(() => parseSweep("architecture=gated")).toThrow(/"gated" is not one of standard/);
  });
});

describe("checkSweep", () => {
  it("refuses a setting the architecture does not read, with the reason", () => {
    expect(() => checkSweep(parseSweep("k=8,16"), "standard")).toThrow(
      "cannot sweep k with architecture standard: only topk, batchtopk and matryoshka_batchtopk read it",
    );
    expect(() => checkSweep(parseSweep("l1_coefficient=1,2"), "topk")).toThrow(
      "only standard reads it",
    );
    expect(() => checkSweep(parseSweep("l0_coefficient=1,2"), "batchtopk")).toThrow(
      "only jumprelu reads it",
    );
    expect(() => checkSweep(parseSweep("k=8,8"), "topk")).toThrow("8 is listed twice");
    expect(() => checkSweep(parseSweep("k=8,300"), "topk")).toThrow(
      "topk takes integers 1..256, got 300",
    );
    // BatchTopK's k is an average per row: 2.5 is fine there, not for TopK.
    expect(() => checkSweep(parseSweep("k=2.5"), "batchtopk")).not.toThrow();
    expect(() => checkSweep(parseSweep("k=2.5"), "topk")).toThrow("got 2.5");
  });
});

describe("parseLayers", () => {
  it("reads all or a list, sorted, each checked against the model", () => {
    expect(parseLayers("all", 4)).toEqual([0, 1, 2, 3]);
    expect(parseLayers("3, 0,2", 4)).toEqual([0, 2, 3]);
    expect(() => parseLayers("0,4", 4)).toThrow(`"4" is not a layer of this model (0..3)`);
    expect(() => parseLayers("1,1", 4)).toThrow("1 is listed twice");
    expect(() => parseLayers("", 4)).toThrow(`"" is not a layer`);
  });
});

describe("expandSweep", () => {
  it("gives each kind each swept value, with ids, labels, sites and seeds of their own", () => {
    const members = expandSweep({
      kinds: ["sae", "transcoder"],
      layers: [3],
      layerList: false,
      architecture: "topk",
      sweep: parseSweep("k=8,16"),
      runSeed: 5,
    });
    expect(members.map((m) => [m.id, m.label, m.hook, m.overrides.k])).toEqual([
      ["sae.L3.k8", "sae · L3 · k 8", "blocks.3.hook_mlp_out", 8],
      ["sae.L3.k16", "sae · L3 · k 16", "blocks.3.hook_mlp_out", 16],
      ["transcoder.L3.k8", "transcoder · L3 · k 8", undefined, 8],
      ["transcoder.L3.k16", "transcoder · L3 · k 16", undefined, 16],
    ]);
    for (const m of members) {
      expect(m.seed).toBe(dictionarySeed(5, m.id));
      expect(m).toMatchObject({ setting: "k", architecture: "topk" });
    }
    expect(new Set(members.map((m) => m.seed)).size).toBe(4);
  });

  it("keeps a plain pair's ids, and so its seeds", () => {
    const members = expandSweep({
      kinds: ["sae", "transcoder"],
      layers: [1],
      layerList: false,
      saeSite: "hook_resid_pre",
      architecture: "standard",
      runSeed: 0,
    });
    expect(members.map((m) => [m.id, m.seed, m.hook])).toEqual([
      ["sae", 450683495, "blocks.1.hook_resid_pre"],
      ["transcoder", 3024271455, undefined],
    ]);
    expect(members[0]!.setting).toBeUndefined();
  });

  it("puts a dictionary at every listed layer, and sweeps architectures and widths", () => {
    const layers = expandSweep({
      kinds: ["transcoder"],
      layers: [0, 1, 2],
      layerList: true,
      architecture: "standard",
      runSeed: 0,
    });
    expect(layers.map((m) => m.id)).toEqual(["transcoder.L0", "transcoder.L1", "transcoder.L2"]);
    const arch = expandSweep({
      kinds: ["sae"],
      layers: [2],
      layerList: false,
      architecture: "standard",
      sweep: parseSweep("architecture=standard,jumprelu"),
      runSeed: 0,
    });
    expect(arch.map((m) => [m.id, m.architecture])).toEqual([
      ["sae.L2.standard", "standard"],
      ["sae.L2.jumprelu", "jumprelu"],
    ]);
    const widths = expandSweep({
      kinds: ["sae"],
      layers: [2],
      layerList: false,
      architecture: "standard",
      sweep: parseSweep("d_sae=256,512"),
      runSeed: 0,
    });
    expect(widths.map((m) => [m.id, m.label, m.overrides.dSae])).toEqual([
      ["sae.L2.dsae256", "sae · L2 · d_sae 256", 256],
      ["sae.L2.dsae512", "sae · L2 · d_sae 512", 512],
    ]);
  });

  it("refuses an empty or repeated kind list", () => {
    const base = { layers: [0], layerList: false, architecture: "standard" as const, runSeed: 0 };
    expect(() => expandSweep({ ...base, kinds: [] })).toThrow("no dictionary kind");
    expect(() => expandSweep({ ...base, kinds: ["sae", "sae"] })).toThrow("listed twice");
  });
});
