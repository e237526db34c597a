import { describe, expect, it } from "vitest";
import { dictionarySeed } from "../../engine/stream/dictionarySeed.ts";
import { plansOf } from "../../worker/streamRun.ts";
import { SOFTWARE_DEFAULTS } from "./defaults.ts";
import { expandRunConfig } from "./runExpansion.ts";

describe("expandRunConfig", () => {
  it("keeps a plain pair as a list of two with the ids sae and transcoder", () => {
    const c = expandRunConfig(SOFTWARE_DEFAULTS);
    expect(c.dictionaries.map((d) => d.id)).toEqual(["sae", "transcoder"]);
    expect(plansOf(c).map((p) => p.seed)).toEqual([
      dictionarySeed(c.seed, "sae"),
      dictionarySeed(c.seed, "transcoder"),
    ]);
  });

  it("expands a k sweep into one dictionary per kind and value, each trained at its k", () => {
    const c = expandRunConfig({ ...SOFTWARE_DEFAULTS, sweep: { setting: "k", values: [4, 16] } });
    expect(c.dictionaries.map((d) => [d.id, d.k, d.swept?.value])).toEqual([
      ["sae.L3.k4", 4, 4],
      ["sae.L3.k16", 16, 16],
      ["transcoder.L3.k4", 4, 4],
      ["transcoder.L3.k16", 16, 16],
    ]);
    const plans = plansOf(c);
    expect(plans.map((p) => p.architecture?.k)).toEqual([4, 16, 4, 16]);
    expect(new Set(plans.map((p) => p.seed)).size).toBe(4);
    expect(plans[0]!.hook).toBe("blocks.3.hook_mlp_out");
  });

  it("puts a dictionary of each kind at each listed layer", () => {
    const c = expandRunConfig({ ...SOFTWARE_DEFAULTS, layers: [0, 2] });
    const plans = plansOf(c);
    expect(plans.map((p) => [p.id, p.layer, p.hook])).toEqual([
      ["sae.L0", 0, "blocks.0.hook_mlp_out"],
      ["sae.L2", 2, "blocks.2.hook_mlp_out"],
      ["transcoder.L0", 0, undefined],
      ["transcoder.L2", 2, undefined],
    ]);
  });

  it("refuses a sweep of a setting an architecture does not read", () => {
    const standard = SOFTWARE_DEFAULTS.dictionaries.map(({ architecture: _a, ...d }) => d);
    expect(() =>
      expandRunConfig({
        ...SOFTWARE_DEFAULTS,
        dictionaries: standard,
        sweep: { setting: "k", values: [4, 8] },
      }),
    ).toThrow(/cannot sweep k with architecture standard/);
  });
});
