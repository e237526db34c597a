import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import type {
  Activation,
  DictionaryParams,
  DictionarySpec,
  NormalizeActivations,
} from "../dictionary/spec.ts";
import { RELU } from "../dictionary/spec.ts";
import { createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { GpuDictionaryApply, type ApplyOptions } from "./gpuDictionaryApply.ts";

const shaders = loadNodeShaders();
const TOLERANCE = 1e-4;

interface Shape {
  kind: DictionarySpec["kind"];
  dIn: number;
  dSae: number;
  dOut: number;
  applyBDecToInput?: boolean;
  skip?: boolean;
}

function makeSpec(
  shape: Shape,
  activation: Activation,
  normalizeActivations: NormalizeActivations = "none",
): DictionarySpec {
  return {
    applyBDecToInput: false,
    ...shape,
    hookName: "h",
    hookNameOut: "h",
    modelName: "test",
    normalizeActivations,
    activation,
  };
}

function uniform(rand: () => number, n: number, scale: number): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
}

function randomParams(spec: DictionarySpec, seed: number): DictionaryParams {
  const { dIn, dSae, dOut } = spec;
  const rand = seededRandom(seed);
  return {
    wEnc: uniform(rand, dIn * dSae, 1 / Math.sqrt(dIn)),
    bEnc: uniform(rand, dSae, 0.2),
    wDec: uniform(rand, dSae * dOut, 1 / Math.sqrt(dSae)),
    bDec: uniform(rand, dOut, 0.5),
    // Negative thresholds too, where JumpReLU with and without ReLU differ.
    threshold: uniform(rand, dSae, 0.3),
    wSkip: uniform(rand, dOut * dIn, 1 / Math.sqrt(dIn)),
  };
}

/** Rows with their own offset and scale, so that per-token normalisation matters. */
function randomInput(rows: number, dIn: number, seed: number): Float32Array<ArrayBuffer> {
  const rand = seededRandom(seed);
  const x = new Float32Array(rows * dIn);
  for (let r = 0; r < rows; r++) {
    const offset = (rand() * 2 - 1) * 1.5;
    const scale = 0.3 + rand() * 3;
    for (let k = 0; k < dIn; k++) x[r * dIn + k] = offset + (rand() * 2 - 1) * scale;
  }
  return x;
}

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

async function applyOnGpu(
  spec: DictionarySpec,
  params: DictionaryParams,
  inputs: Float32Array<ArrayBuffer>[],
  maxRows: number,
  options: ApplyOptions = {},
) {
  const { device } = await testDevice();
  const apply = new GpuDictionaryApply(
    device,
    new LinearKernels(device, shaders),
    spec,
    params,
    maxRows,
    options,
  );
  const results = [];
  // Several inputs through one instance: each call may bind a new input buffer.
  for (const x of inputs) {
    const rows = x.length / spec.dIn;
    const input = createBuffer(device, "input", x.byteLength);
    device.queue.writeBuffer(input, 0, x);
    const encoder = device.createCommandEncoder();
    apply.encodeApply(encoder, input, rows);
    device.queue.submit([encoder.finish()]);
    const output = await readFloats(device, apply.output, rows * spec.dOut);
    const latents = await apply.readLatents(rows);
    const counts = apply.activeCounts
      ? new Uint32Array((await readFloats(device, apply.activeCounts, rows)).buffer)
      : undefined;
    input.destroy();
    results.push({ rows, output, latents, counts });
  }
  apply.destroy();
  return results;
}

async function expectMatchesReference(
  spec: DictionarySpec,
  params: DictionaryParams,
  inputs: Float32Array<ArrayBuffer>[],
  maxRows = Math.max(...inputs.map((x) => x.length / spec.dIn)),
) {
  const results = await applyOnGpu(spec, params, inputs, maxRows);
  const errors = { latents: 0, output: 0 };
  results.forEach(({ rows, output, latents }, i) => {
    const want = inferenceReference(spec, params, inputs[i]!, rows);
    errors.latents = Math.max(errors.latents, scaledError(latents, want.latents));
    errors.output = Math.max(errors.output, scaledError(output, want.output));
    const act = spec.activation;
    if (act?.kind === "topk") {
      // The same latents are kept: a different choice would be an error of a whole latent.
      for (let r = 0; r < rows; r++) {
        const kept = (f: ArrayLike<number>) =>
          Array.from({ length: spec.dSae }, (_, j) => j).filter((j) => f[r * spec.dSae + j]! > 0);
        expect(kept(latents), `row ${r}`).toEqual(kept(want.latents));
      }
    }
  });
  expect(errors.latents, "latents").toBeLessThan(TOLERANCE);
  expect(errors.output, "output").toBeLessThan(TOLERANCE);
  return errors;
}

const ACTIVATIONS: [string, Activation][] = [
  ["relu", { kind: "relu" }],
  ["topk", { kind: "topk", k: 5 }],
  ["jumprelu(relu)", { kind: "jumprelu", relu: true }],
  ["jumprelu(no relu)", { kind: "jumprelu", relu: false }],
];
const NORMS: NormalizeActivations[] = ["none", "layer_norm", "constant_norm_rescale"];
const SHAPES: [string, Shape][] = [
  // d_sae 30 is not a multiple of 4: the latents are padded.
  [
    "an SAE with the b_dec input shift",
    { kind: "sae", dIn: 16, dSae: 30, dOut: 16, applyBDecToInput: true },
  ],
  ["a skip transcoder", { kind: "transcoder", dIn: 12, dSae: 30, dOut: 8, skip: true }],
];

describe("GPU dictionary inference matches the float64 reference", () => {
  let seed = 10;
  for (const [actName, activation] of ACTIVATIONS)
    for (const norm of NORMS)
      for (const [shapeName, shape] of SHAPES) {
        const s = seed++;
        it(`${actName}, ${norm}, ${shapeName}`, async () => {
          const spec = makeSpec(shape, activation, norm);
          const params = randomParams(spec, s);
          // 37 rows, then 11 through another input buffer; the buffers hold 40.
          const inputs = [randomInput(37, spec.dIn, s + 100), randomInput(11, spec.dIn, s + 200)];
          await expectMatchesReference(spec, params, inputs, 40);
        });
      }

  it("a transcoder without skip, TopK, and the same with expected_average_only_in", async () => {
    const shape: Shape = { kind: "transcoder", dIn: 8, dSae: 24, dOut: 12 };
    for (const norm of ["none", "expected_average_only_in"] as const) {
      const spec = makeSpec(shape, { kind: "topk", k: 3 }, norm);
      await expectMatchesReference(spec, randomParams(spec, 5), [randomInput(9, 8, 6)]);
    }
  });

  it("TopK with k = 1 and k = d_sae", async () => {
    const shape: Shape = { kind: "sae", dIn: 8, dSae: 30, dOut: 8, applyBDecToInput: true };
    for (const k of [1, 30]) {
      const spec = makeSpec(shape, { kind: "topk", k }, "layer_norm");
      await expectMatchesReference(spec, randomParams(spec, 7 + k), [randomInput(13, 8, k)]);
    }
  });

  it("TopK picks the reference's latents among many exact ties", async () => {
    // Small integers throughout: every pre-activation is an exact integer in f32 and f64.
    const spec = makeSpec(
      { kind: "sae", dIn: 8, dSae: 64, dOut: 8, applyBDecToInput: true },
      { kind: "topk", k: 10 },
    );
    const rand = seededRandom(3);
    const ints = (n: number, lo: number, hi: number) =>
      Float32Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo + 1)));
    const params: DictionaryParams = {
      wEnc: ints(8 * 64, -1, 1),
      bEnc: ints(64, -1, 1),
      wDec: ints(64 * 8, -2, 2),
      bDec: ints(8, -1, 1),
    };
    const rows = 20;
    const x = ints(rows * 8, -2, 2);
    await expectMatchesReference(spec, params, [x]);
    // The k-th and (k+1)-th largest pre-activations are equal in most rows: ties decide.
    const pre = inferenceReference(
      { ...spec, activation: { kind: "jumprelu", relu: false } },
      { ...params, threshold: new Float32Array(64).fill(-1e9) },
      x,
      rows,
    ).latents;
    let tiedRows = 0;
    for (let r = 0; r < rows; r++) {
      const sorted = Array.from(pre.subarray(r * 64, (r + 1) * 64)).sort((a, b) => b - a);
      if (sorted[9] === sorted[10] && sorted[9]! > 0) tiedRows++;
    }
    expect(tiedRows).toBeGreaterThan(rows / 2);
  });

  it("TopK k = 256 of d_sae = 8192 in one row", async () => {
    const spec = makeSpec(
      { kind: "transcoder", dIn: 8, dSae: 8192, dOut: 8 },
      { kind: "topk", k: 256 },
      "constant_norm_rescale",
    );
    await expectMatchesReference(spec, randomParams(spec, 21), [randomInput(1, 8, 22)]);
  });
});

describe("GPU dictionary inference refuses what it cannot run", () => {
  const cases: [string, Partial<DictionarySpec>, Partial<DictionaryParams>, RegExp][] = [
    ["d_in not a multiple of 4", { dIn: 6 }, {}, /d_in \(6\).*multiples of 4/],
    ["k above 256", { dSae: 300, activation: { kind: "topk", k: 257 } }, {}, /k = 257.*256/],
    ["k above d_sae", { activation: { kind: "topk", k: 31 } }, {}, /k = 31 exceeds d_sae = 30/],
    [
      "a JumpReLU without a threshold",
      { activation: { kind: "jumprelu", relu: true } },
      { threshold: undefined },
      /JumpReLU.*threshold \(30 values\)/,
    ],
    [
      "a threshold of the wrong length",
      { activation: { kind: "jumprelu", relu: true } },
      { threshold: new Float32Array(29) },
      /threshold has 29 values.*30/,
    ],
    ["a skip without W_skip", { skip: true }, { wSkip: undefined }, /skip .*W_skip \(64 values\)/],
  ];
  for (const [name, specChange, paramsChange, message] of cases) {
    it(name, async () => {
      const { device } = await testDevice();
      const base = makeSpec({ kind: "transcoder", dIn: 8, dSae: 30, dOut: 8 }, { kind: "relu" });
      const spec = { ...base, ...specChange };
      const params = { ...randomParams({ ...spec, dIn: 8 }, 1), ...paramsChange };
      const linear = new LinearKernels(device, shaders);
      expect(() => new GpuDictionaryApply(device, linear, spec, params, 4)).toThrow(message);
    });
  }
});

describe("GPU dictionary inference in SAELens's order", () => {
  it("subtracts b_dec from the input before W_enc, exact with outlier components", async () => {
    // GPT-2's residual stream has a few components of order 10³; b_dec (about their mean) too.
    // Folded into b_enc, x @ W_enc and b_dec @ W_enc nearly cancel in f32 (error 9e-5 here).
    const d = 64;
    const spec = makeSpec(
      { kind: "sae", dIn: d, dSae: 32, dOut: d, applyBDecToInput: true },
      // No threshold in the way: the latents are the pre-activations.
      { kind: "jumprelu", relu: false },
    );
    const params = { ...randomParams(spec, 31), threshold: new Float32Array(32).fill(-1e9) };
    for (const [k, v] of [
      [3, 3000],
      [17, -2500],
      [40, 2800],
    ] as const) {
      params.bDec[k] = v;
    }
    const rows = 16;
    const rand = seededRandom(32);
    const x = new Float32Array(rows * d);
    for (let i = 0; i < x.length; i++) x[i] = params.bDec[i % d]! + (rand() * 2 - 1);
    const [got] = await applyOnGpu(spec, params, [x], rows);
    const want = inferenceReference(spec, params, x, rows);
    let error = 0;
    let largest = 0;
    for (let i = 0; i < want.latents.length; i++) {
      error = Math.max(error, Math.abs(got!.latents[i]! - want.latents[i]!));
      largest = Math.max(largest, Math.abs(want.latents[i]!));
    }
    expect(largest).toBeGreaterThan(1);
    expect(error).toBeLessThan(1e-5);
  });

  for (const norm of ["layer_norm", "constant_norm_rescale"] as const) {
    it(`a transcoder with ${norm}: the output is f @ W_dec + b_dec, not mapped back`, async () => {
      // SAELens's Transcoder normalises its input only (transcoder.py decode).
      const spec = makeSpec({ kind: "transcoder", dIn: 12, dSae: 20, dOut: 8 }, RELU, norm);
      const params = randomParams(spec, 41);
      const rows = 9;
      const [got] = await applyOnGpu(spec, params, [randomInput(rows, spec.dIn, 42)], rows);
      const { latents, output } = got!;
      let error = 0;
      let largest = 0;
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < spec.dOut; o++) {
          let y = params.bDec[o]!;
          for (let j = 0; j < spec.dSae; j++) {
            y += latents[r * spec.dSae + j]! * params.wDec[j * spec.dOut + o]!;
          }
          error = Math.max(error, Math.abs(output[r * spec.dOut + o]! - y));
          largest = Math.max(largest, Math.abs(y));
        }
      }
      expect(error / largest).toBeLessThan(1e-5);
    });
  }
});

describe("GPU BatchTopK inference over the batch (a BatchTopK dictionary as it trains)", () => {
  for (const [name, shape, norm] of [
    ["an SAE", SHAPES[0]![1], "none"],
    ["a skip transcoder with layer_norm", SHAPES[1]![1], "layer_norm"],
  ] as const) {
    it(`${name}: the int(k·rows) largest of the batch, as the float64 reference`, async () => {
      // Saved, a BatchTopK is a JumpReLU; the threshold is not what selects here.
      const spec = makeSpec(shape, { kind: "jumprelu", relu: true }, norm);
      const params = randomParams(spec, 51);
      const k = 2.5;
      const inputs = [randomInput(37, spec.dIn, 52), randomInput(11, spec.dIn, 53)];
      const results = await applyOnGpu(spec, params, inputs, 40, {
        batchTopK: k,
        countActive: true,
      });
      results.forEach(({ rows, latents, output, counts }, i) => {
        const want = inferenceReference(spec, params, inputs[i]!, rows, { batchTopK: k });
        const kept = (f: ArrayLike<number>) =>
          Array.from({ length: f.length }, (_, e) => e).filter((e) => f[e]! !== 0);
        expect(kept(latents)).toEqual(kept(want.latents));
        expect(kept(latents)).toHaveLength(Math.trunc(k * rows));
        expect(scaledError(latents, want.latents)).toBeLessThan(TOLERANCE);
        expect(scaledError(output, want.output)).toBeLessThan(TOLERANCE);
        // Rows differ in how many they keep; the batch keeps int(k·rows) in all.
        const perRow = Array.from(
          { length: rows },
          (_, r) => kept(latents.subarray(r * 30, (r + 1) * 30)).length,
        );
        expect(Array.from(counts!)).toEqual(perRow);
        expect(new Set(perRow).size).toBeGreaterThan(1);
      });
    });
  }

  it("keeps nothing when int(k·rows) is 0", async () => {
    const spec = makeSpec(SHAPES[0]![1], { kind: "jumprelu", relu: true });
    const [got] = await applyOnGpu(spec, randomParams(spec, 54), [randomInput(3, 16, 55)], 3, {
      batchTopK: 0.2,
      countActive: true,
    });
    expect(Array.from(got!.counts!)).toEqual([0, 0, 0]);
    expect(got!.latents.every((v) => v === 0)).toBe(true);
  });
});
