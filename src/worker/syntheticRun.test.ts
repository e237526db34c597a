import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { testDevice } from "../node/testDevice.ts";
import { GPU_DEFAULTS } from "../ui/state/defaults.ts";
import { plansOf } from "./streamRun.ts";
import { createSyntheticRun, finalTruth, liveTruth } from "./syntheticRun.ts";
import type { StreamRunConfig } from "./protocol.ts";

const shaders = loadNodeShaders();

/** The page's default TopK pair, narrow, on the tiny preset. */
const config: StreamRunConfig = {
  ...GPU_DEFAULTS,
  dictionaries: GPU_DEFAULTS.dictionaries.map((d) => ({ ...d, dSae: 64, k: 4 })),
  batchSize: 64,
  // The scale estimate reads 100 batches back: a second on SwiftShader that tests nothing here.
  normalize: "none",
  steps: 3,
  logEvery: 1,
  data: { kind: "synthetic", preset: "tiny" },
};

describe("a page run on a synthetic model", () => {
  it("trains both dictionaries on x (and y), with live and final ground truth", async () => {
    const { device } = await testDevice();
    const parts = await createSyntheticRun(device, shaders, "tiny", plansOf(config), config);
    try {
      const { session } = parts;
      expect(session.dictionaries.map((d) => [d.id, d.spec.dIn, d.spec.dOut])).toEqual([
        ["sae", 32, 32],
        ["transcoder", 32, 32],
      ]);
      expect(session.dictionaries[0]!.spec.hookName).toBe("hidden_activations");
      expect(session.dictionaries[1]!.spec.hookNameOut).toBe("output_activations");
      while (!session.finished) await session.step();
      const signal = new AbortController().signal;
      const live = await liveTruth(parts, "tiny", 3, signal);
      expect(live.map((e) => e.dictionary)).toEqual(["sae", "transcoder"]);
      for (const { point } of live) {
        expect(point.step).toBe(3);
        expect(point.mcc).toBeGreaterThan(0);
        expect(point.mcc).toBeLessThanOrEqual(1);
        expect(point.f1_score).toBeGreaterThanOrEqual(0);
        expect(point.f1_score).toBeLessThanOrEqual(1);
        // TopK keeps k latents per sample.
        expect(point.sae_l0).toBeCloseTo(4, 5);
      }
      expect(live[1]!.point.encoder_mcc).toBeGreaterThan(0);
      const [sae] = await session.export();
      const final = await finalTruth(parts.truth, "tiny", sae!, signal);
      expect(final.samples).toBe(4096);
      expect(final.metrics.true_l0).toBeGreaterThan(0);
      const heatmap = final.heatmap!;
      // The window is the whole 64 × 128 block at most, each latent's row of signed cosines.
      expect(heatmap.features).toBe(128);
      expect(heatmap.latents.length).toBeGreaterThan(0);
      expect(heatmap.decoder.length).toBe(heatmap.latents.length * 128);
      expect(heatmap.decoder.every((c) => c >= -1 && c <= 1)).toBe(true);
    } finally {
      parts.destroy();
    }
  }, 60_000);
});
