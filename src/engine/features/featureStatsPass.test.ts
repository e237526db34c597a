import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { referenceForward } from "../model/gpt2Reference.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { transcoderSites } from "../model/hooks.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { EXAMPLES_PER_SEQUENCE, HISTOGRAM_BINS, INTERVAL_BINS } from "./featureStats.ts";
import { FeatureStatsPass } from "./featureStatsPass.ts";
import { featureStatsReference } from "./featureStatsReference.ts";
import { tokenListWindows } from "./featureWindows.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig({ nCtx: 12 });
const weights = processWeights(randomGpt2Weights(cfg, 5));
const SPECIAL = 3;
const SEED = 77;
const rand = seededRandom(9);
const corpus = Array.from({ length: 400 }, () => Math.floor(rand() * cfg.vocabSize));
const windows = tokenListWindows(corpus, cfg.nCtx, true, SPECIAL);
const { input, output } = transcoderSites(1);
const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: cfg.dModel,
  dSae: 30,
  dOut: cfg.dModel,
  applyBDecToInput: false,
  hookName: input,
  hookNameOut: output,
  modelName: "tiny",
  normalizeActivations: "none",
};
const params: DictionaryParams = (() => {
  const r = seededRandom(4);
  const u = (n: number, scale: number, shift = 0) =>
    Float32Array.from({ length: n }, () => shift + (r() * 2 - 1) * scale);
  return {
    wEnc: u(spec.dIn * spec.dSae, 0.5),
    bEnc: u(spec.dSae, 0.5, -1),
    wDec: u(spec.dSae * spec.dOut, 0.3),
    bDec: u(spec.dOut, 0.1),
  };
})();

const all = windows.read(0, windows.count);
const latents = (() => {
  const x: number[] = [];
  for (let s = 0; s < windows.count; s++) {
    const seq = Array.from(all.subarray(s * windows.seqLen, (s + 1) * windows.seqLen));
    x.push(...referenceForward(weights, seq).hooks.get(input)!);
  }
  return inferenceReference(spec, params, x, all.length).latents;
})();
const want = featureStatsReference(latents, all, spec.dSae, windows.seqLen, {
  seed: SEED,
  excludeTokens: [SPECIAL],
});

function firingOf(f: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < all.length; r++) {
    const v = latents[r * spec.dSae + f]!;
    if (v > 0 && all[r] !== SPECIAL) out.push(v);
  }
  return out;
}

async function gpuStats(cacheBytes?: number, seqsPerChunk = 4) {
  const { device } = await testDevice();
  const model = new GpuGpt2(device, shaders, weights, seqsPerChunk * cfg.nCtx);
  const pass = new FeatureStatsPass(device, shaders, model, spec, params);
  try {
    return await pass.run(windows, { seed: SEED, excludeTokens: [SPECIAL], cacheBytes });
  } finally {
    pass.destroy();
    model.destroy();
  }
}

/** How many firing values lie within `tol` (relative to max) of an inner bin edge. */
function nearEdges(values: number[], edges: number[], max: number, tol: number): number {
  const inner = edges.slice(1, -1);
  return values.filter((v) => inner.some((e) => Math.abs(v - e) <= tol * max)).length;
}

describe("FeatureStatsPass", () => {
  it("agrees with the float64 reference", async () => {
    const got = await gpuStats();
    expect(got.tokens).toBe(want.tokens);
    expect(want.tokens).toBeLessThan(windows.count * windows.seqLen);
    expect(Array.from(got.count)).toEqual(Array.from(want.count));
    const fired = Array.from(want.count).filter((c) => c > 0).length;
    expect(fired).toBeGreaterThan(spec.dSae / 2);
    expect(Math.min(...want.count.filter((c) => c > 0))).toBeLessThan(want.tokens / 2);
    let maxErr = 0;
    let meanErr = 0;
    for (let f = 0; f < spec.dSae; f++) {
      if (want.count[f] === 0) continue;
      maxErr = Math.max(maxErr, Math.abs(got.max[f]! / want.max[f]! - 1));
      meanErr = Math.max(meanErr, Math.abs(got.sum[f]! / want.sum[f]! - 1));
      expect(got.top[f]!.map((e) => [e.sequence, e.position])).toEqual(
        want.top[f]!.map((e) => [e.sequence, e.position]),
      );
      const perSeq = new Map<number, number>();
      for (const e of got.top[f]!) perSeq.set(e.sequence, (perSeq.get(e.sequence) ?? 0) + 1);
      expect(Math.max(...perSeq.values())).toBeLessThanOrEqual(EXAMPLES_PER_SEQUENCE);
    }
    expect(maxErr).toBeLessThan(1e-4);
    expect(meanErr).toBeLessThan(1e-4);
    console.log(`max rel err ${maxErr.toExponential(2)}, mean rel err ${meanErr.toExponential(2)}`);
  });

  it("histograms and interval samples agree except at bin edges", async () => {
    const got = await gpuStats();
    let edgeCases = 0;
    let sampledAlike = 0;
    for (let f = 0; f < spec.dSae; f++) {
      if (want.count[f] === 0) continue;
      const max = want.max[f]!;
      const min = want.min[f]!;
      const values = firingOf(f);
      const linEdges = Array.from(
        { length: HISTOGRAM_BINS + 1 },
        (_, i) => (i / HISTOGRAM_BINS) * max,
      );
      const logEdges = linEdges.map((_, i) => min * (max / min) ** (i / HISTOGRAM_BINS));
      const h = f * HISTOGRAM_BINS * 2;
      for (const [o, edges] of [
        [0, linEdges],
        [HISTOGRAM_BINS, logEdges],
      ] as const) {
        let diff = 0;
        for (let b = 0; b < HISTOGRAM_BINS; b++) {
          diff += Math.abs(got.histograms[h + o + b]! - want.histograms[h + o + b]!);
        }
        const allowed = 2 * nearEdges(values, edges, max, 1e-5);
        edgeCases += allowed;
        expect(diff).toBeLessThanOrEqual(allowed);
      }
      const intervalEdges = Array.from(
        { length: INTERVAL_BINS + 1 },
        (_, i) => (i / INTERVAL_BINS) * max,
      );
      for (let b = 0; b < INTERVAL_BINS; b++) {
        for (const e of got.intervals[f]![b]!) {
          expect(e.activation).toBeGreaterThan(0);
          expect(e.activation).toBeGreaterThanOrEqual(intervalEdges[b]! * (1 - 1e-5));
          expect(e.activation).toBeLessThanOrEqual(intervalEdges[b + 1]! * (1 + 1e-5));
          expect(all[e.sequence * windows.seqLen + e.position]).not.toBe(SPECIAL);
        }
      }
      if (nearEdges(values, intervalEdges, max, 1e-5) === 0) {
        sampledAlike++;
        expect(got.intervals[f]!.map((bin) => bin.map((e) => [e.sequence, e.position]))).toEqual(
          want.intervals[f]!.map((bin) => bin.map((e) => [e.sequence, e.position])),
        );
      }
    }
    expect(sampledAlike).toBeGreaterThan(spec.dSae / 2);
    console.log(`values near a histogram edge: ${edgeCases / 2}; same samples: ${sampledAlike}`);
  });

  it("gives the same result with and without the hook cache, and whatever the chunk", async () => {
    const cached = await gpuStats();
    const rerun = await gpuStats(0, 3);
    expect(rerun).toEqual(cached);
  });

  it("stops when cancelled", async () => {
    const { device } = await testDevice();
    const model = new GpuGpt2(device, shaders, weights, cfg.nCtx);
    const pass = new FeatureStatsPass(device, shaders, model, spec, params);
    const controller = new AbortController();
    const seen: number[] = [];
    try {
      await expect(
        pass.run(windows, {
          seed: SEED,
          excludeTokens: [SPECIAL],
          signal: controller.signal,
          onProgress: (done) => {
            seen.push(done);
            controller.abort();
          },
        }),
      ).rejects.toThrow(expect.objectContaining({ name: "AbortError" }));
      expect(seen).toHaveLength(1);
    } finally {
      pass.destroy();
      model.destroy();
    }
  });
});
