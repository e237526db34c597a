import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { initDictionary, seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { logSoftmaxRows, referenceForward } from "../model/gpt2Reference.ts";
import { transcoderSites } from "../model/hooks.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { forward as dictionaryForward } from "../reference/dictionaryReference.ts";
import { corpusFromTokens, SequenceSource } from "../stream/tokenCorpus.ts";
import { GpuDictionaryApply } from "./gpuDictionaryApply.ts";
import { evaluateSpliced, readSplicedMetrics, replacedRows } from "./splicedEval.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig();
const weights = processWeights(randomGpt2Weights(cfg, 5));
const rand = seededRandom(9);
/** A token the tests treat as special; it appears every 13 tokens. */
const SPECIAL = 7;
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 200 }, (_, i) =>
    i % 13 === 5 ? SPECIAL : 8 + Math.floor(rand() * (cfg.vocabSize - 8)),
  ),
  0,
);
const SEQUENCES = 5;
const T = cfg.nCtx;

function dictionary(kind: DictionarySpec["kind"], hook: string, hookOut: string) {
  const spec: DictionarySpec = {
    kind,
    dIn: cfg.dModel,
    dSae: 30, // not a multiple of 4: exercises the padding
    dOut: cfg.dModel,
    applyBDecToInput: kind === "sae",
    hookName: hook,
    hookNameOut: hookOut,
    modelName: "tiny",
    normalizeActivations: "none",
  };
  const params: DictionaryParams = initDictionary(spec, 4);
  // Larger weights than the init and non-zero biases, so the splice changes the output.
  params.wDec = params.wDec.map((v) => v * 20);
  params.bEnc = params.bEnc.map((_, i) => 0.05 * Math.sin(i));
  params.bDec = params.bDec.map((_, i) => 0.1 * Math.cos(i));
  return { spec, params };
}

/**
 * The same metrics from the float64 references of the model and the dictionary, as
 * sae_lens.evals computes them: at excluded tokens the site keeps its activations, and those
 * positions are left out of the CE and KL means.
 */
function referenceMetrics(spec: DictionarySpec, params: DictionaryParams, exclude: number[]) {
  const source = new SequenceSource(corpus, corpus.heldOut, T, false);
  const p = {
    wEnc: Float64Array.from(params.wEnc),
    bEnc: Float64Array.from(params.bEnc),
    wDec: Float64Array.from(params.wDec),
    bDec: Float64Array.from(params.bDec),
  };
  const V = cfg.vocabSize;
  const d = cfg.dModel;
  let clean = 0;
  let spliced = 0;
  let zero = 0;
  let klSae = 0;
  let klZero = 0;
  let targets = 0;
  let positions = 0;
  for (let s = 0; s < SEQUENCES; s++) {
    const seq = Array.from(source.next(1));
    let input: Float64Array | undefined;
    const runs = [
      referenceForward(weights, seq),
      referenceForward(weights, seq, (name, a) => {
        if (name === spec.hookName) input = Float64Array.from(a);
        if (name === spec.hookNameOut) {
          const yHat = dictionaryForward(spec, p, input!, a, T, 0).yHat;
          for (let t = 0; t < T; t++) {
            if (!exclude.includes(seq[t]!)) a.set(yHat.subarray(t * d, (t + 1) * d), t * d);
          }
        }
      }),
      referenceForward(weights, seq, (name, a) => {
        if (name === spec.hookNameOut) a.fill(0);
      }),
    ].map((r) => logSoftmaxRows(r.logits, V));
    const [c, sp, z] = runs as [Float64Array, Float64Array, Float64Array];
    for (let t = 0; t < T; t++) {
      if (exclude.includes(seq[t]!)) continue;
      for (let v = 0; v < V; v++) {
        const pc = Math.exp(c[t * V + v]!);
        klSae += pc * (c[t * V + v]! - sp[t * V + v]!);
        klZero += pc * (c[t * V + v]! - z[t * V + v]!);
      }
      positions++;
      if (t === T - 1) continue;
      const next = seq[t + 1]!;
      clean -= c[t * V + next]!;
      spliced -= sp[t * V + next]!;
      zero -= z[t * V + next]!;
      targets++;
    }
  }
  return {
    ce_loss_without_sae: clean / targets,
    ce_loss_with_sae: spliced / targets,
    ce_loss_with_ablation: zero / targets,
    kl_div_with_sae: klSae / positions,
    kl_div_with_ablation: klZero / positions,
    targets,
  };
}

describe("spliced-in evaluation", () => {
  const cases = [
    ["transcoder", transcoderSites(0).input, transcoderSites(0).output],
    ["sae", "blocks.1.hook_resid_pre", "blocks.1.hook_resid_pre"],
  ] as const;
  for (const [kind, hook, hookOut] of cases)
    for (const exclude of [[], [SPECIAL]]) {
      it(`matches the float64 reference for a ${kind} on ${hookOut}, excluding [${exclude}]`, async () => {
        const { device } = await testDevice();
        // 2 sequences per forward pass: the 5 sequences take three chunks, the last one partial.
        const model = new GpuGpt2(device, shaders, weights, 2 * T);
        const { spec, params } = dictionary(kind, hook, hookOut);
        const apply = new GpuDictionaryApply(
          device,
          new LinearKernels(device, shaders),
          spec,
          params,
          2 * T,
        );
        const source = new SequenceSource(corpus, corpus.heldOut, T, false);
        const got = await evaluateSpliced(
          device,
          shaders,
          model,
          source,
          SEQUENCES,
          { handlers: (rows) => apply.spliceHandlers(hook, hookOut, rows), ablateHook: hookOut },
          exclude,
        );
        const want = referenceMetrics(spec, params, exclude);
        for (const key of [
          "ce_loss_without_sae",
          "ce_loss_with_sae",
          "ce_loss_with_ablation",
          "kl_div_with_sae",
          "kl_div_with_ablation",
        ] as const) {
          expect(Math.abs(got[key] - want[key]), key).toBeLessThan(1e-4);
        }
        // The three losses differ, so the scores are real ratios.
        expect(Math.abs(want.ce_loss_with_sae - want.ce_loss_without_sae)).toBeGreaterThan(1e-3);
        expect(Math.abs(want.ce_loss_with_ablation - want.ce_loss_without_sae)).toBeGreaterThan(
          1e-3,
        );
        expect(want.kl_div_with_sae).toBeGreaterThan(1e-4);
        const score =
          (want.ce_loss_with_ablation - want.ce_loss_with_sae) /
          (want.ce_loss_with_ablation - want.ce_loss_without_sae);
        expect(Math.abs(got.ce_loss_score - score)).toBeLessThan(1e-3);
        const klScore =
          (want.kl_div_with_ablation - want.kl_div_with_sae) / want.kl_div_with_ablation;
        expect(Math.abs(got.kl_div_score - klScore)).toBeLessThan(1e-3);
        expect(got.tokens).toBe(want.targets);
        expect(got.tokens).toBe(exclude.length === 0 ? SEQUENCES * (T - 1) : want.targets);
        if (exclude.length > 0) expect(want.targets).toBeLessThan(SEQUENCES * (T - 1));
        apply.destroy();
        model.destroy();
      });
    }
});

describe("spliced-in metric files", () => {
  it("reads eval.json written under the playground's earlier names as SAELens's names", () => {
    const old = {
      ce_loss_clean: 6.3,
      ce_loss_spliced: 6.4,
      ce_loss_zero_ablated: 6.7,
      ce_loss_score: 0.75,
      kl_div: 0.13,
      sequences: 16,
      tokens: 2048,
    };
    expect(readSplicedMetrics(old)).toEqual({
      ce_loss_without_sae: 6.3,
      ce_loss_with_sae: 6.4,
      ce_loss_with_ablation: 6.7,
      ce_loss_score: 0.75,
      kl_div_with_sae: 0.13,
      sequences: 16,
      tokens: 2048,
    });
    const current = { ce_loss_with_sae: 1, kl_div_score: 0.5 };
    expect(readSplicedMetrics(current)).toEqual(current);
  });

  it("replaces every row but the excluded tokens' runs", () => {
    expect(replacedRows(Uint32Array.from([9, 1, 2, 9, 9, 3]), new Set([9]))).toEqual([
      [1, 3],
      [5, 6],
    ]);
    expect(replacedRows(Uint32Array.from([1, 2]), new Set())).toEqual([[0, 2]]);
  });
});
