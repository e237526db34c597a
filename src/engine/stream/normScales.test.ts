import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { referenceForward } from "../model/gpt2Reference.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { transcoderSites } from "../model/hooks.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { estimateNormScales } from "./normScales.ts";
import { evenlySpacedWindows, type TokenCorpus } from "./tokenCorpus.ts";

const cfg = tinyConfig();
const weights = processWeights(randomGpt2Weights(cfg, 6));
const rand = seededRandom(2);
const tokens = Int32Array.from({ length: 400 }, (_, i) =>
  i % 17 === 0 ? 3 : 4 + Math.floor(rand() * (cfg.vocabSize - 4)),
);
/** Training slice: the first 300 tokens; its second half differs (larger token ids). */
for (let i = 150; i < 300; i++) tokens[i] = cfg.vocabSize - 1 - (i % 7);
const corpus: TokenCorpus = {
  name: "t",
  tokens,
  train: { start: 0, end: 300 },
  heldOut: { start: 300, end: 400 },
  bos: 3,
};

describe("estimateNormScales", () => {
  it("is sqrt(d) / mean ||x|| over windows spread over the whole training slice, special tokens left out", async () => {
    const { device } = await testDevice();
    const model = new GpuGpt2(device, loadNodeShaders(), weights, 2 * cfg.nCtx);
    const { input, output } = transcoderSites(1);
    const T = cfg.nCtx;
    const got = await estimateNormScales(device, model, corpus, [input, output], {
      contextSize: T,
      prependBos: true,
      windows: 5,
      excludeTokens: [3],
    });
    const starts = evenlySpacedWindows(corpus.train, T - 1, 5);
    expect(starts[starts.length - 1]).toBeGreaterThan(150);
    for (const site of [input, output]) {
      let sum = 0;
      let rows = 0;
      for (const s of starts) {
        const seq = [3, ...Array.from(tokens.subarray(s, s + T - 1))];
        const acts = referenceForward(weights, seq).hooks.get(site)!;
        seq.forEach((tok, t) => {
          if (tok === 3) return;
          let sq = 0;
          for (let c = 0; c < cfg.dModel; c++) sq += acts[t * cfg.dModel + c]! ** 2;
          sum += Math.sqrt(sq);
          rows++;
        });
      }
      const want = Math.sqrt(cfg.dModel) / (sum / rows);
      expect(got.get(site)! / want).toBeCloseTo(1, 5);
    }
    model.destroy();
  });
});
