import { describe, expect, it } from "vitest";
import type { LiveTruthPoint } from "../../engine/stream/syntheticGroundTruth.ts";
import { GPU_DEFAULTS } from "../state/defaults.ts";
import { configFromUrl, configToUrl } from "../state/urlState.ts";
import { offeredPresets, truthOf, withTruthPoints } from "./syntheticTruth.ts";

const point = (step: number, mcc: number): LiveTruthPoint => ({
  step,
  mcc,
  f1_score: mcc / 2,
  precision: 0.5,
  recall: 0.4,
  uniqueness: 1,
  sae_l0: 8,
  explained_variance: 0.7,
});

describe("a synthetic run in the page", () => {
  it("keeps its data in the URL; the model is the default and malformed presets are ignored", () => {
    const synthetic = { ...GPU_DEFAULTS, data: { kind: "synthetic", preset: "small-2k" } } as const;
    expect(configToUrl(synthetic)).toContain("data=synthetic%3Asmall-2k");
    expect(configFromUrl(configToUrl(synthetic))).toEqual(synthetic);
    expect(configFromUrl(configToUrl(GPU_DEFAULTS)).data).toBeUndefined();
    expect(configFromUrl("?data=synthetic:huge").data).toBeUndefined();
    expect(configFromUrl("?data=model").data).toBeUndefined();
  });

  it("appends live points per dictionary and reads the final metrics over the last point", () => {
    let points = withTruthPoints(undefined, {
      entries: [
        { dictionary: "sae", point: point(10, 0.2) },
        { dictionary: "transcoder", point: point(10, 0.1) },
      ],
    });
    points = withTruthPoints(points, { entries: [{ dictionary: "sae", point: point(20, 0.3) }] });
    expect(points.sae!.map((p) => p.step)).toEqual([10, 20]);
    expect(points.transcoder).toHaveLength(1);
    expect(truthOf({ truthPoints: points }, "sae")).toEqual({
      mcc: 0.3,
      f1: 0.15,
      l0: 8,
      final: false,
    });
    expect(truthOf({}, "sae")).toBeUndefined();
    const metrics = {
      mcc: 0.61,
      uniqueness: 0.99,
      classification: { precision: 0.7, recall: 0.5, f1_score: 0.58, accuracy: 0.9 },
      true_l0: 10,
      sae_l0: 9.5,
      dead_latents: 0,
      shrinkage: 0.9,
      explained_variance: 0.8,
    };
    const final = { truthPoints: points, truth: { sae: { metrics, samples: 4096 } } };
    expect(truthOf(final, "sae")).toEqual({ mcc: 0.61, f1: 0.58, l0: 9.5, final: true });
  });

  it("offers SynthSAEBench-16k on a hardware adapter only", () => {
    expect(offeredPresets(true)).toEqual(["small-2k", "tiny"]);
    expect(offeredPresets(false)).toContain("synthsaebench-16k");
  });
});
