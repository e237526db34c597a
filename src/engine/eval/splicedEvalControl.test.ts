import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { initDictionary, seededRandom } from "../dictionary/init.ts";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { corpusFromTokens, SequenceSource } from "../stream/tokenCorpus.ts";
import { GpuDictionaryApply } from "./gpuDictionaryApply.ts";
import { evaluateSpliced, type EvalControl } from "./splicedEval.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig();
const weights = processWeights(randomGpt2Weights(cfg, 5));
const rand = seededRandom(2);
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 200 }, () => Math.floor(rand() * cfg.vocabSize)),
  0,
);
const T = cfg.nCtx;
const HOOK = "blocks.1.hook_resid_pre";

async function setup() {
  const { device } = await testDevice();
  // 2 sequences per forward pass: 5 sequences take three chunks.
  const model = new GpuGpt2(device, shaders, weights, 2 * T);
  const spec: DictionarySpec = {
    kind: "sae",
    dIn: cfg.dModel,
    dSae: 32,
    dOut: cfg.dModel,
    applyBDecToInput: true,
    hookName: HOOK,
    hookNameOut: HOOK,
    modelName: "tiny",
    normalizeActivations: "none",
  };
  const params = initDictionary(spec, 4);
  params.wDec = params.wDec.map((v) => v * 20);
  const apply = new GpuDictionaryApply(
    device,
    new LinearKernels(device, shaders),
    spec,
    params,
    2 * T,
  );
  const evaluate = (control?: EvalControl) =>
    evaluateSpliced(
      device,
      shaders,
      model,
      new SequenceSource(corpus, corpus.heldOut, T, false),
      5,
      { handlers: (rows) => apply.spliceHandlers(HOOK, HOOK, rows), ablateHook: HOOK },
      [],
      control,
    );
  return { evaluate, destroy: () => (apply.destroy(), model.destroy()) };
}

describe("an evaluation a run can pause and stop", () => {
  it("hears the windows done after every forward pass, and gives the same numbers", async () => {
    const { evaluate, destroy } = await setup();
    const plain = await evaluate();
    const heard: number[] = [];
    const perPass = await evaluate({ between: (done) => void heard.push(done), perPass: true });
    // Before the first chunk, after the clean and the spliced pass of each chunk, after each chunk.
    expect(heard).toEqual([0, 0, 0, 2, 2, 2, 4, 4, 4, 5]);
    expect(perPass.ce_loss_score).toBe(plain.ce_loss_score);
    expect(perPass.kl_div_with_sae).toBe(plain.kl_div_with_sae);
    const byChunk: number[] = [];
    await evaluate({ between: (done) => void byChunk.push(done) });
    expect(byChunk).toEqual([0, 2, 4, 5]);
    destroy();
  });

  it("ends at the first pass after a stop, and waits while paused", async () => {
    const { evaluate, destroy } = await setup();
    let passes = 0;
    const stopped = evaluate({
      between: () => {
        if (++passes === 3) throw new Error("stopped by the user");
      },
      perPass: true,
    });
    await expect(stopped).rejects.toThrow("stopped by the user");
    expect(passes).toBe(3);

    let release = () => {};
    let reached = () => {};
    const atPause = new Promise<void>((resolve) => (reached = resolve));
    let after = 0;
    const paused = evaluate({
      between: (done) => {
        if (done !== 2 || after++ > 0) return undefined;
        reached();
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await atPause;
    // Nothing goes on while it waits: the evaluation has heard no window past the pause.
    await new Promise((r) => setTimeout(r, 100));
    expect(after).toBe(1);
    release();
    const result = await paused;
    expect(result.sequences).toBe(5);
    destroy();
  });
});
