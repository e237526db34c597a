import { describe, expect, it } from "vitest";
import type { StreamRunConfig } from "../../worker/protocol.ts";
import { GPU_DEFAULTS, SOFTWARE_DEFAULTS } from "./defaults.ts";
import { configFromUrl, configToUrl } from "./urlState.ts";

const [sae, { k: _k, ...transcoder }] = GPU_DEFAULTS.dictionaries as [
  StreamRunConfig["dictionaries"][0],
  StreamRunConfig["dictionaries"][0],
];

describe("urlState", () => {
  it("round-trips the defaults, and each architecture with the fields it reads", () => {
    expect(configFromUrl(configToUrl(GPU_DEFAULTS))).toEqual(GPU_DEFAULTS);
    const configs: StreamRunConfig[] = [
      {
        ...GPU_DEFAULTS,
        dictionaries: [
          { ...sae, architecture: "topk", k: 16 },
          { ...transcoder, architecture: "jumprelu", l0Coefficient: 0.05, skip: true },
        ],
      },
      {
        ...GPU_DEFAULTS,
        dictionaries: [{ ...transcoder, architecture: "batchtopk", k: 8, skip: true }],
      },
    ];
    for (const c of configs) expect(configFromUrl(configToUrl(c))).toEqual(c);
  });

  it("round-trips a sweep and a layer list", () => {
    const c: StreamRunConfig = {
      ...SOFTWARE_DEFAULTS,
      sweep: { setting: "k", values: [4, 8] },
      layers: [0, 2],
    };
    expect(configToUrl(c)).toContain("sweep=k%3D4%2C8");
    expect(configFromUrl(configToUrl(c), SOFTWARE_DEFAULTS)).toEqual(c);
    const arch: StreamRunConfig = {
      ...c,
      sweep: { setting: "architecture", values: ["topk", "standard"] },
    };
    expect(configFromUrl(configToUrl(arch), SOFTWARE_DEFAULTS)).toEqual(arch);
    expect(configFromUrl("?sweep=k=4,x&layers=1,a", SOFTWARE_DEFAULTS)).toEqual(SOFTWARE_DEFAULTS);
  });

  it("reads URLs from before architectures as standard, and ignores what is malformed", () => {
    const old = "?layer=0&sae.dsae=256&sae.l1=0.5&transcoder.dsae=512&transcoder.l1=1";
    const c = configFromUrl(old, SOFTWARE_DEFAULTS);
    for (const d of c.dictionaries) {
      expect(d.architecture).toBeUndefined();
      expect(d.k).toBeUndefined();
      expect(d.skip).toBeUndefined();
    }
    expect(c.dictionaries.map((d) => d.l1Coefficient)).toEqual([0.5, 1]);
    const bad = configFromUrl("?sae.arch=gated&sae.skip=1&transcoder.arch=topk&transcoder.k=9999");
    expect(bad.dictionaries[0]!.architecture).toBeUndefined();
    expect(bad.dictionaries[0]!.skip).toBeUndefined();
    // k is bounded by d_sae and the TopK kernels (256).
    expect(bad.dictionaries[1]).toMatchObject({ architecture: "topk", k: 256 });
    // The default pair's k (TopK at k 8), or the page's k for an architecture switched to TopK.
    expect(configFromUrl("?transcoder.arch=topk").dictionaries[1]!.k).toBe(8);
    expect(configFromUrl("?transcoder.arch=batchtopk&transcoder.l1=1").dictionaries[1]!.k).toBe(8);
    expect(configFromUrl("?transcoder.arch=jumprelu").dictionaries[1]!.l0Coefficient).toBe(0.1);
  });
});
