import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import type { RowExtremes } from "./gpuTopkProduct.ts";
import {
  lnUnembedding,
  normalizedEmbeddingT,
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
  it("agrees with float64 products for every view", async () => {
    const { device } = await testDevice();
    const views = await weightViews(device, shaders, model, spec, params);
    const { dModel: d, vocabSize: V } = cfg;
    const shape = { rows: spec.dSae, d, n: V };
    const errs = [
      expectSame(views.logitsRaw, topkProductReference(params.wDec, model.wU, shape), [
        "top",
        "bottom",
      ]),
      expectSame(views.logitsLn, topkProductReference(params.wDec, lnUnembedding(model), shape), [
        "top",
        "bottom",
      ]),
      expectSame(
        views.deembedding!,
        topkProductReference(
          transposeRows(params.wEnc, d, spec.dSae),
          normalizedEmbeddingT(model),
          shape,
        ),
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
});
