import { describe, expect, it } from "vitest";
import { initDictionary, seededRandom } from "../dictionary/init.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { DEFAULT_GEMM, type GemmChoice } from "../gpu/gemmVariants.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { GpuDictionary } from "./gpuDictionary.ts";

// The default kernels are checked against the float64 reference by gpuDictionary.test.ts and
// every variant alone by gemmVariants.test.ts; this checks that the step's call sites (encoder,
// dense decoder, skip, dense weight gradients) run the chosen variants to the same numbers.
const shaders = loadNodeShaders();

const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: 37,
  dSae: 131,
  dOut: 29,
  skip: true,
  applyBDecToInput: false,
  hookName: "h",
  hookNameOut: "h",
  modelName: "test",
  normalizeActivations: "none",
};
const B = 61;

function randomData(n: number, seed: number): Float32Array<ArrayBuffer> {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (rand() - 0.5) * 2);
}

function params(): DictionaryParams {
  const p = initDictionary(spec, 7);
  const rand = seededRandom(8);
  for (let i = 0; i < p.bEnc.length; i++) p.bEnc[i] = (rand() - 0.5) * 0.02;
  if (p.wSkip) for (let i = 0; i < p.wSkip.length; i++) p.wSkip[i] = (rand() - 0.5) * 0.1;
  return p;
}

/** The gradients of one dense step with `gemm` (later steps differ by Adam's g / sqrt(v) of tiny g). */
async function denseGradients(gemm: GemmChoice): Promise<DictionaryParams> {
  const { device } = await testDevice();
  const gpu = new GpuDictionary(device, shaders, spec, B, undefined, gemm);
  gpu.setParams(params());
  gpu.resetOptimizer();
  gpu.uploadBatch(randomData(B * spec.dIn, 101), randomData(B * spec.dOut, 201));
  const scalars = {
    l1Coefficient: 0.7,
    lr: 1e-3,
    adamStep: 1,
    sIn: 1,
    sOut: 1,
    deadFeatureWindow: 1000,
  };
  gpu.step(scalars, false, "dense");
  const grads = await gpu.readGradients();
  gpu.destroy();
  return grads;
}

function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

describe("the training step with other GEMM variants", async () => {
  const { device } = await testDevice();
  const choices: GemmChoice[] = [{ rows: "tiled64x64", at: "tiled128x64" }];
  if (device.features.has("subgroups"))
    choices.push({ rows: "subgroupSplitK", at: "subgroupSplitK" });
  const expected = denseGradients(DEFAULT_GEMM);
  it.each(choices.map((c) => [JSON.stringify(c), c] as const))(
    "%s: the gradients of a skip transcoder's dense step match today's kernels",
    async (_, choice) => {
      const want = await expected;
      const got = await denseGradients(choice);
      for (const name of ["wEnc", "bEnc", "wDec", "bDec", "wSkip"] as const) {
        expect(scaledError(got[name]!, want[name]!), `gradient ${name}`).toBeLessThan(1e-5);
      }
    },
    180_000,
  );
});
