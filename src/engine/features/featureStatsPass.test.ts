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
import { HISTOGRAM_BINS, INTERVAL_BINS } from "./featureStats.ts";
import { FeatureStatsPass } from "./featureStatsPass.ts";
import { featureStatsReference } from "./featureStatsReference.ts";
import { tokenListWindows } from "./featureWindows.ts";

const shaders = loadNodeShaders();
// 16 tokens: positions 6 to 10 lie inside SAEDashboard's (5, 5) buffer.
const cfg = tinyConfig({ nCtx: 16 });
const weights = processWeights(randomGpt2Weights(cfg, 5));
const SPECIAL = 3;
const SEED = 77;
const rand = seededRandom(9);
const corpus = Array.from({ length: 400 }, () => Math.floor(rand() * cfg.vocabSize));
const windows = tokenListWindows(corpus, cfg.nCtx, true, SPECIAL);
/** SAEDashboard's buffer (5, 5): k_largest_indices over positions [6, seqLen - 5). */
const inBuffer = (position: number) => position >= 6 && position < windows.seqLen - 5;
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
const hookInput = (() => {
  const x: number[] = [];
  for (let s = 0; s < windows.count; s++) {
    const seq = Array.from(all.subarray(s * windows.seqLen, (s + 1) * windows.seqLen));
    x.push(...referenceForward(weights, seq).hooks.get(input)!);
  }
  return x;
})();

/** SAEDashboard's latents: the dictionary's, times ‖W_dec[f]‖ (fold_W_dec_norm). */
function foldedLatents(s: DictionarySpec, p: DictionaryParams): Float64Array {
  const latents = inferenceReference(s, p, hookInput, all.length).latents;
  for (let f = 0; f < s.dSae; f++) {
    let ss = 0;
    for (let d = 0; d < s.dOut; d++) ss += p.wDec[f * s.dOut + d]! ** 2;
    for (let r = 0; r < all.length; r++) latents[r * s.dSae + f]! *= Math.sqrt(ss);
  }
  return latents;
}

const latents = foldedLatents(spec, params);
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

async function gpuStats(cacheBytes?: number, seqsPerChunk = 4, s = spec, p = params) {
  const { device } = await testDevice();
  const model = new GpuGpt2(device, shaders, weights, seqsPerChunk * cfg.nCtx);
  const pass = new FeatureStatsPass(device, shaders, model, s, p);
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
    expect(got.tokensRead).toBe(windows.count * windows.seqLen);
    expect(want.tokens).toBeLessThan(got.tokensRead);
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
      for (const e of got.top[f]!) expect(inBuffer(e.position)).toBe(true);
    }
    // The feature's largest value is sometimes outside the buffer, so not a top example.
    const outside = want.top.filter((t, f) => t.length > 0 && t[0]!.activation < want.max[f]!);
    expect(outside.length).toBeGreaterThan(0);
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
      // torch.histc's range ([v - 1, v + 1] for one distinct value).
      const [lo, hi] = min === max ? [min - 1, max + 1] : [min, max];
      const linEdges = Array.from(
        { length: HISTOGRAM_BINS + 1 },
        (_, i) => lo + (i / HISTOGRAM_BINS) * (hi - lo),
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
          expect(inBuffer(e.position)).toBe(true);
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

  it("does not depend on how the dictionary splits its scale between encoder and decoder", async () => {
    // W_dec rows times c, W_enc columns and b_enc over c: the same outputs (SAEDashboard folds
    // the decoder norms, so its activations and histograms are the same too).
    const c = Array.from({ length: spec.dSae }, (_, f) => 0.25 + (f % 7) * 0.5);
    const rescaled: DictionaryParams = {
      ...params,
      wEnc: params.wEnc.map((v, i) => v / c[i % spec.dSae]!),
      bEnc: params.bEnc.map((v, f) => v / c[f]!),
      wDec: params.wDec.map((v, i) => v * c[Math.floor(i / spec.dOut)]!),
    };
    const [a, b] = [await gpuStats(), await gpuStats(undefined, 4, spec, rescaled)];
    expect(Array.from(b.count)).toEqual(Array.from(a.count));
    for (let f = 0; f < spec.dSae; f++) {
      if (a.count[f] === 0) continue;
      expect(Math.abs(b.max[f]! / a.max[f]! - 1)).toBeLessThan(1e-4);
      expect(b.top[f]!.map((e) => e.position)).toEqual(a.top[f]!.map((e) => e.position));
    }
  });

  it("keeps a TopK's selection and scales the latents after it by the decoder norms", async () => {
    const topk: DictionarySpec = { ...spec, activation: { kind: "topk", k: 4 } };
    const ref = featureStatsReference(foldedLatents(topk, params), all, spec.dSae, windows.seqLen, {
      seed: SEED,
      excludeTokens: [SPECIAL],
    });
    const got = await gpuStats(undefined, 4, topk);
    expect(Array.from(got.count)).toEqual(Array.from(ref.count));
    expect(Array.from(ref.count).filter((n) => n > 0).length).toBeGreaterThan(spec.dSae / 3);
    for (let f = 0; f < spec.dSae; f++) {
      if (ref.count[f] === 0) continue;
      expect(Math.abs(got.max[f]! / ref.max[f]! - 1)).toBeLessThan(1e-4);
      expect(got.top[f]!.map((e) => [e.sequence, e.position])).toEqual(
        ref.top[f]!.map((e) => [e.sequence, e.position]),
      );
    }
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
