import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import type { RowExtremes } from "./gpuTopkProduct.ts";
import { corpusVocabulary } from "./corpusVocabulary.ts";
import {
  gatherColumns,
  lnUnembedding,
  normalizedEmbeddingT,
  tokenViews,
  transposeRows,
  unitRows,
  weightViews,
} from "./weightViews.ts";
import { topkProductReference } from "./weightViewsReference.ts";

const shaders = loadNodeShaders();
// Unprocessed weights, so that the raw and ln_final views differ; a vocabulary that is not a
// multiple of 4 and wider than the kernel's 64 invocations × 4 columns.
const cfg = tinyConfig({ vocabSize: 301 });
const model = randomGpt2Weights(cfg, 3);
const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: cfg.dModel,
  dSae: 70,
  dOut: cfg.dModel,
  applyBDecToInput: false,
  hookName: "blocks.0.ln2.hook_normalized",
  hookNameOut: "blocks.0.hook_mlp_out",
  modelName: "tiny",
  normalizeActivations: "none",
};
const r = seededRandom(6);
const u = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
const params: DictionaryParams = {
  wEnc: u(spec.dIn * spec.dSae),
  bEnc: u(spec.dSae),
  wDec: u(spec.dSae * spec.dOut),
  bDec: u(spec.dOut),
};

/** SAELens's fold_W_dec_norm in float64: W_dec rows over their norm, W_enc columns times it. */
function folded(p: DictionaryParams): { wEnc: Float64Array; wDec: Float64Array } {
  const wEnc = Float64Array.from(p.wEnc);
  const wDec = Float64Array.from(p.wDec);
  for (let f = 0; f < spec.dSae; f++) {
    let ss = 0;
    for (let d = 0; d < spec.dOut; d++) ss += p.wDec[f * spec.dOut + d]! ** 2;
    const n = Math.sqrt(ss);
    for (let d = 0; d < spec.dOut; d++) wDec[f * spec.dOut + d]! /= n;
    for (let k = 0; k < spec.dIn; k++) wEnc[k * spec.dSae + f]! *= n;
  }
  return { wEnc, wDec };
}

function transpose64(m: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(m.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

function expectSame(got: RowExtremes[], want: RowExtremes[], lists: ("top" | "bottom")[]) {
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    for (const l of lists) {
      expect(got[i]![l].map((e) => e.index)).toEqual(want[i]![l].map((e) => e.index));
      got[i]![l].forEach((e, k) => {
        const w = want[i]![l][k]!.value;
        err = Math.max(err, Math.abs(e.value - w) / Math.max(1e-3, Math.abs(w)));
      });
    }
  }
  expect(err).toBeLessThan(1e-4);
  return err;
}

describe("weightViews", () => {
  it("agrees with float64 products for every view, decoder norms folded", async () => {
    const { device } = await testDevice();
    const views = await weightViews(device, shaders, model, spec, params);
    const { dModel: d, vocabSize: V } = cfg;
    const shape = { rows: spec.dSae, d, n: V };
    const f = folded(params);
    const errs = [
      expectSame(views.logitsRaw, topkProductReference(f.wDec, model.wU, shape), ["top", "bottom"]),
      expectSame(views.logitsLn, topkProductReference(f.wDec, lnUnembedding(model), shape), [
        "top",
        "bottom",
      ]),
      expectSame(
        views.deembedding!,
        topkProductReference(transpose64(f.wEnc, d, spec.dSae), normalizedEmbeddingT(model), shape),
        ["top", "bottom"],
      ),
    ];
    const unit = unitRows(params.wDec, spec.dSae, d);
    const neighbors = topkProductReference(
      unit,
      transposeRows(unit, spec.dSae, d),
      { rows: spec.dSae, d, n: spec.dSae },
      true,
    );
    errs.push(expectSame(views.neighbors, neighbors, ["top"]));
    expect(views.neighbors.every((n, i) => n.top.every((e) => e.index !== i))).toBe(true);
    expect(views.logitsRaw[0]!.top).not.toEqual(views.logitsLn[0]!.top);
    console.log(`worst relative error per view: ${errs.map((e) => e.toExponential(1)).join(", ")}`);
  });

  it("logits and de-embeddings do not depend on how the dictionary splits its scale", async () => {
    // W_dec rows times c, W_enc columns over c: the same dictionary; SAEDashboard's
    // fold_W_dec_norm gives it the same logit tables.
    const c = Array.from({ length: spec.dSae }, (_, f) => 0.2 + (f % 5) * 0.7);
    const rescaled: DictionaryParams = {
      ...params,
      wEnc: params.wEnc.map((v, i) => v / c[i % spec.dSae]!),
      bEnc: params.bEnc.map((v, f) => v / c[f]!),
      wDec: params.wDec.map((v, i) => v * c[Math.floor(i / spec.dOut)]!),
    };
    const { device } = await testDevice();
    const a = await weightViews(device, shaders, model, spec, params);
    const b = await weightViews(device, shaders, model, spec, rescaled);
    expectSame(b.logitsRaw, a.logitsRaw, ["top", "bottom"]);
    expectSame(b.logitsLn, a.logitsLn, ["top", "bottom"]);
    expectSame(b.deembedding!, a.deembedding!, ["top", "bottom"]);
  });

  it("ranks the tokens the corpus holds apart, in the same pass over the vocabulary", async () => {
    // A corpus of every third token: the others never occur.
    const corpus = { tokens: Uint16Array.from({ length: 500 }, (_, i) => (i % 101) * 3) };
    const { present, absent } = corpusVocabulary(corpus, cfg.vocabSize);
    expect(present.length).toBe(101);
    expect(absent).toBe(cfg.vocabSize - 101);
    const { device } = await testDevice();
    const split = await tokenViews(device, shaders, model, spec, params, { keep: present });
    const views = split.kept!;
    const { dModel: d } = cfg;
    const shape = { rows: spec.dSae, d, n: present.length };
    const f = folded(params);
    const ids = (rows: ReturnType<typeof topkProductReference>) =>
      rows.map((r) => ({
        top: r.top.map((e) => ({ index: present[e.index]!, value: e.value })),
        bottom: r.bottom.map((e) => ({ index: present[e.index]!, value: e.value })),
      }));
    const both = ["top", "bottom"] as ("top" | "bottom")[];
    const wU = gatherColumns(model.wU, d, cfg.vocabSize, present);
    expectSame(views.logitsRaw, ids(topkProductReference(f.wDec, wU, shape)), both);
    const ln = gatherColumns(lnUnembedding(model), d, cfg.vocabSize, present);
    expectSame(views.logitsLn, ids(topkProductReference(f.wDec, ln, shape)), both);
    const emb = gatherColumns(normalizedEmbeddingT(model), d, cfg.vocabSize, present);
    const wEncT = transpose64(f.wEnc, d, spec.dSae);
    expectSame(views.deembedding!, ids(topkProductReference(wEncT, emb, shape)), both);
    for (const r of views.logitsRaw) {
      for (const e of [...r.top, ...r.bottom]) expect(e.index % 3).toBe(0);
    }
    // The lists over every token, merged from the two parts, are those of one pass over all.
    const whole = await tokenViews(device, shaders, model, spec, params);
    expectSame(split.logitsRaw, whole.logitsRaw, both);
    expectSame(split.logitsLn, whole.logitsLn, both);
    expectSame(split.deembedding!, whole.deembedding!, both);
    expect(split.logitsRaw.some((r) => r.bottom.some((e) => e.index % 3 !== 0))).toBe(true);
  });
});
