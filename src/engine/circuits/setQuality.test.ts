import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { logSoftmaxRows, referenceForward } from "../model/gpt2Reference.ts";
import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import {
  corpusFromTokens,
  listedWindows,
  SequenceSource,
  type TokenCorpus,
} from "../stream/tokenCorpus.ts";
import { evaluateTranscoderSet } from "./setQuality.ts";
import { testTranscoder } from "./setFilesTestFiles.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

const shaders = loadNodeShaders();
const METRICS = [
  "ce_loss_without_sae",
  "ce_loss_with_sae",
  "ce_loss_with_ablation",
  "kl_div_with_sae",
  "kl_div_with_ablation",
] as const;

/**
 * The same metrics from the float64 model and dictionary references: each transcoder reads its
 * layer's ln2.hook_normalized in the replacement model and replaces that layer's hook_mlp_out.
 */
function referenceSetMetrics(
  weights: Gpt2Weights,
  corpus: TokenCorpus,
  starts: number[],
  T: number,
  set: TranscoderSet,
) {
  const V = weights.config.vocabSize;
  const d = weights.config.dModel;
  const source = new SequenceSource(corpus, corpus.heldOut, T, false, () => listedWindows(starts));
  const sums = { clean: 0, set: 0, zero: 0, klSet: 0, klZero: 0, targets: 0, positions: 0 };
  const outputs = new Map<string, SetTranscoder>(
    set.layers.flatMap((t, l) => (t ? [[`blocks.${l}.hook_mlp_out`, t] as const] : [])),
  );
  for (let s = 0; s < starts.length; s++) {
    const seq = Array.from(source.next(1));
    const inputs = new Map<string, Float64Array>();
    const runs = [
      referenceForward(weights, seq),
      referenceForward(weights, seq, (name, a) => {
        if (/ln2\.hook_normalized$/.test(name)) inputs.set(name, Float64Array.from(a));
        const t = outputs.get(name);
        if (t) a.set(inferenceReference(t.spec, t.params, inputs.get(t.spec.hookName)!, T).output);
      }),
      referenceForward(weights, seq, (name, a) => {
        if (outputs.has(name)) a.fill(0);
      }),
    ].map((r) => logSoftmaxRows(r.logits, V));
    const [c, sp, z] = runs as [Float64Array, Float64Array, Float64Array];
    for (let t = 0; t < T; t++) {
      for (let v = 0; v < V; v++) {
        const pc = Math.exp(c[t * V + v]!);
        sums.klSet += pc * (c[t * V + v]! - sp[t * V + v]!);
        sums.klZero += pc * (c[t * V + v]! - z[t * V + v]!);
      }
      sums.positions++;
      if (t === T - 1) continue;
      const next = seq[t + 1]!;
      sums.clean -= c[t * V + next]!;
      sums.set -= sp[t * V + next]!;
      sums.zero -= z[t * V + next]!;
      sums.targets++;
    }
  }
  expect(d).toBe(set.layers.find((t) => t)!.spec.dIn);
  return {
    ce_loss_without_sae: sums.clean / sums.targets,
    ce_loss_with_sae: sums.set / sums.targets,
    ce_loss_with_ablation: sums.zero / sums.targets,
    kl_div_with_sae: sums.klSet / sums.positions,
    kl_div_with_ablation: sums.klZero / sums.positions,
  };
}

/** A transcoder whose decoder is scaled up, so that replacing the MLP changes the logits. */
function strong(t: SetTranscoder, scale: number): SetTranscoder {
  return { ...t, params: { ...t.params, wDec: t.params.wDec.map((v) => v * scale) } };
}

async function compareWithReference(
  weights: Gpt2Weights,
  corpus: TokenCorpus,
  set: TranscoderSet,
  T: number,
  sequences: number,
  chunkRows: number,
) {
  const { device } = await testDevice();
  const model = new GpuGpt2(device, shaders, weights, chunkRows, T);
  try {
    const got = await evaluateTranscoderSet(device, shaders, model, corpus, set, {
      sequences,
      contextSize: T,
      prependBos: false,
      excludeSpecialTokens: false,
    });
    const want = referenceSetMetrics(weights, corpus, got.eval_windows.token_offsets, T, set);
    return { got, want };
  } finally {
    model.destroy();
  }
}

describe("evaluateTranscoderSet: every layer's MLP replaced at once", () => {
  it("matches the float64 reference on a random model, a layer without a transcoder", async () => {
    const cfg = tinyConfig({ nLayer: 3 });
    const weights = processWeights(randomGpt2Weights(cfg, 5));
    const rand = seededRandom(9);
    const tokens = Int32Array.from({ length: 120 }, () => Math.floor(rand() * cfg.vocabSize));
    const corpus = corpusFromTokens("random tokens", tokens);
    const set: TranscoderSet = {
      modelName: "tiny",
      layers: [
        strong(testTranscoder(0, cfg.dModel, 30), 20),
        undefined,
        strong(
          testTranscoder(2, cfg.dModel, 24, { activation: { kind: "topk", k: 4 }, skip: true }),
          20,
        ),
      ],
    };
    // 5 windows, 2 to a forward pass: three chunks, the last one partial.
    const { got, want } = await compareWithReference(
      weights,
      corpus,
      set,
      cfg.nCtx,
      5,
      2 * cfg.nCtx,
    );
    expect(got.replaced_layers).toEqual([0, 2]);
    expect(got.sequences).toBe(5);
    for (const key of METRICS) expect(Math.abs(got[key] - want[key]), key).toBeLessThan(1e-4);
    // Real ratios: the set and the ablation each move the loss.
    expect(Math.abs(want.ce_loss_with_sae - want.ce_loss_without_sae)).toBeGreaterThan(1e-3);
    expect(Math.abs(want.ce_loss_with_ablation - want.ce_loss_without_sae)).toBeGreaterThan(1e-3);
    expect(want.kl_div_with_sae).toBeGreaterThan(1e-4);
    const score =
      (want.ce_loss_with_ablation - want.ce_loss_with_sae) /
      (want.ce_loss_with_ablation - want.ce_loss_without_sae);
    expect(Math.abs(got.ce_loss_score - score)).toBeLessThan(1e-3);
  });

  it("gives ce_loss_score 1 and KL 0 for transcoders that are each layer's MLP exactly", async () => {
    // Every MLP pre-activation is ±40 plus a little, where gelu_new is ReLU exactly (tanh is ±1),
    // so relu(x̂ W_in + b_in) W_out + b_out, a ReLU transcoder of width d_mlp, is the MLP.
    const cfg = tinyConfig({ nLayer: 2 });
    const raw = randomGpt2Weights(cfg, 7);
    for (const l of raw.layers) {
      l.wIn = l.wIn.map((v) => v * 0.02);
      l.bIn = l.bIn.map((_, i) => (i % 2 === 0 ? 40 : -40));
    }
    const weights = processWeights(raw);
    const exact = (layer: number): SetTranscoder => {
      const l = weights.layers[layer]!;
      const t = testTranscoder(layer, cfg.dModel, cfg.dMlp);
      const f32 = (a: Float32Array) => Float32Array.from(a);
      return {
        ...t,
        params: { wEnc: f32(l.wIn), bEnc: f32(l.bIn), wDec: f32(l.wOut), bDec: f32(l.bOut) },
      };
    };
    const rand = seededRandom(3);
    const tokens = Int32Array.from({ length: 60 }, () => Math.floor(rand() * cfg.vocabSize));
    const corpus = corpusFromTokens("random tokens", tokens);
    const set: TranscoderSet = { modelName: "tiny", layers: [exact(0), exact(1)] };
    const { got } = await compareWithReference(weights, corpus, set, cfg.nCtx, 4, 4 * cfg.nCtx);
    expect(got.ce_loss_with_ablation - got.ce_loss_without_sae).toBeGreaterThan(0.01);
    expect(Math.abs(got.ce_loss_score - 1)).toBeLessThan(1e-4);
    expect(got.kl_div_with_sae).toBeLessThan(1e-6);
    // The splice is in effect: a set one b_dec off is measurably worse.
    const off = exact(1);
    off.params.bDec = off.params.bDec.map((v, i) => v + 2 * Math.sin(i));
    const { got: worse } = await compareWithReference(
      weights,
      corpus,
      { modelName: "tiny", layers: [exact(0), off] },
      cfg.nCtx,
      4,
      4 * cfg.nCtx,
    );
    expect(worse.kl_div_with_sae).toBeGreaterThan(1e-4);
  });
});
