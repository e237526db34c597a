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
import { evaluateSpliced } from "./splicedEval.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig();
const weights = processWeights(randomGpt2Weights(cfg, 5));
const rand = seededRandom(9);
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 200 }, () => Math.floor(rand() * cfg.vocabSize)),
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

/** The same metrics from the float64 references of the model and the dictionary. */
function referenceMetrics(spec: DictionarySpec, params: DictionaryParams) {
  const source = new SequenceSource(corpus, corpus.heldOut, T, false);
  const p = {
    wEnc: Float64Array.from(params.wEnc),
    bEnc: Float64Array.from(params.bEnc),
    wDec: Float64Array.from(params.wDec),
    bDec: Float64Array.from(params.bDec),
  };
  const V = cfg.vocabSize;
  let clean = 0;
  let spliced = 0;
  let zero = 0;
  let kl = 0;
  let targets = 0;
  for (let s = 0; s < SEQUENCES; s++) {
    const seq = Array.from(source.next(1));
    let input: Float64Array | undefined;
    const runs = [
      referenceForward(weights, seq),
      referenceForward(weights, seq, (name, a) => {
        if (name === spec.hookName) input = Float64Array.from(a);
        if (name === spec.hookNameOut) a.set(dictionaryForward(spec, p, input!, a, T, 0).yHat);
      }),
      referenceForward(weights, seq, (name, a) => {
        if (name === spec.hookNameOut) a.fill(0);
      }),
    ].map((r) => logSoftmaxRows(r.logits, V));
    const [c, sp, z] = runs as [Float64Array, Float64Array, Float64Array];
    for (let t = 0; t < T; t++) {
      for (let v = 0; v < V; v++) {
        kl += Math.exp(c[t * V + v]!) * (c[t * V + v]! - sp[t * V + v]!);
      }
      if (t === T - 1) continue;
      const next = seq[t + 1]!;
      clean -= c[t * V + next]!;
      spliced -= sp[t * V + next]!;
      zero -= z[t * V + next]!;
      targets++;
    }
  }
  return {
    ce_loss_clean: clean / targets,
    ce_loss_spliced: spliced / targets,
    ce_loss_zero_ablated: zero / targets,
    kl_div: kl / (SEQUENCES * T),
  };
}

describe("spliced-in evaluation", () => {
  const cases = [
    ["transcoder", transcoderSites(0).input, transcoderSites(0).output],
    ["sae", "blocks.1.hook_resid_pre", "blocks.1.hook_resid_pre"],
  ] as const;
  for (const [kind, hook, hookOut] of cases) {
    it(`matches the float64 reference for a ${kind} on ${hookOut}`, async () => {
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
      const got = await evaluateSpliced(device, shaders, model, source, SEQUENCES, {
        handlers: apply.spliceHandlers(hook, hookOut),
        ablateHook: hookOut,
      });
      const want = referenceMetrics(spec, params);
      for (const key of [
        "ce_loss_clean",
        "ce_loss_spliced",
        "ce_loss_zero_ablated",
        "kl_div",
      ] as const) {
        expect(Math.abs(got[key] - want[key]), key).toBeLessThan(1e-4);
      }
      // The three losses differ, so the score is a real ratio.
      expect(Math.abs(want.ce_loss_spliced - want.ce_loss_clean)).toBeGreaterThan(1e-3);
      expect(Math.abs(want.ce_loss_zero_ablated - want.ce_loss_clean)).toBeGreaterThan(1e-3);
      expect(want.kl_div).toBeGreaterThan(1e-4);
      const score =
        (want.ce_loss_zero_ablated - want.ce_loss_spliced) /
        (want.ce_loss_zero_ablated - want.ce_loss_clean);
      expect(Math.abs(got.ce_loss_score - score)).toBeLessThan(1e-3);
      expect(got.tokens).toBe(SEQUENCES * T);
      apply.destroy();
      model.destroy();
    });
  }
});
