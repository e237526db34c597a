import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { gemmVariants, isGemmChoice, variantForShape, type GemmVariant } from "./gemmVariants.ts";
import { bindBuffers, createBuffer, createKernel } from "./kernel.ts";
import { readFloats } from "./readBuffer.ts";

const shaders = loadNodeShaders();
const { device } = await testDevice();
const subgroups = device.features.has("subgroups");

function random(n: number, seed: number, offset = 0): Float32Array<ArrayBuffer> {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => rand() - 0.5 + offset);
}

function storage(data: Float32Array<ArrayBuffer>): GPUBuffer {
  const buffer = createBuffer(device, "test", data.length * 4);
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

function uniform(words: Uint32Array<ArrayBuffer> | Float32Array<ArrayBuffer>): GPUBuffer {
  const buffer = createBuffer(device, "test", 64, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

/** Dims of dictionary_common.wgsl: B first, offWDec at 7. */
function dims(B: number, offWDec = 0): GPUBuffer {
  const d = new Uint32Array(16);
  d[0] = B;
  d[7] = offWDec;
  return uniform(d);
}

/** StepParams: l1Coefficient first, sOut third. */
const stepParams = (l1: number, sOut: number) =>
  uniform(new Float32Array([l1, 1, sOut, 0, 0, 0, 0, 0]));

async function run(
  v: GemmVariant,
  constants: Record<string, number>,
  resources: GPUBuffer[],
  out: GPUBuffer,
  floats: number,
  cols4: number,
  rows: number,
): Promise<Float32Array> {
  device.pushErrorScope("validation");
  const pipeline = createKernel(device, shaders, v.shader, {
    prelude: "dictionary_common",
    constants: { ...constants, ...v.constants },
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindBuffers(device, pipeline, resources));
  const [x, y] = v.grid(cols4, rows);
  pass.dispatchWorkgroups(x, y);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const error = await device.popErrorScope();
  expect(error?.message).toBeUndefined();
  return readFloats(device, out, floats);
}

/** max |a - b| / max |b| */
function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

interface RowsCase {
  M: number;
  K: number;
  N: number;
  reluA?: boolean;
  subY?: number; // Y_WIDTH
  noBias?: boolean;
  accumulate?: boolean;
}

// Few cases with every option between them: each compiles a pipeline, and SwiftShader takes
// 10-20 s to compile a workgroup-memory kernel.
const rowsCases: RowsCase[] = [
  // M over a 128-row tile, K4 = 5 (not a whole K tile), N4 = 33 (three tile columns)
  { M: 131, K: 20, N: 132, reluA: true, subY: 130, accumulate: true },
  { M: 1, K: 4, N: 8, noBias: true },
];

/** out[M, N] = act(A) @ W + bias (+ out) (- y * sOut), in float64. */
function rowsReference(
  c: RowsCase,
  a: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  prev: Float32Array,
  y: Float32Array,
  sOut: number,
): Float64Array {
  const out = new Float64Array(c.M * c.N);
  for (let m = 0; m < c.M; m++)
    for (let n = 0; n < c.N; n++) {
      let s = c.noBias ? 0 : bias[n]!;
      for (let k = 0; k < c.K; k++) {
        const x = a[m * c.K + k]!;
        s += (c.reluA ? Math.max(x, 0) : x) * w[k * c.N + n]!;
      }
      if (c.accumulate) s += prev[m * c.N + n]!;
      if (c.subY !== undefined) s = n < c.subY ? s - y[m * c.subY + n]! * sOut : 0;
      out[m * c.N + n] = s;
    }
  return out;
}

describe.each(gemmVariants("rows", subgroups).map((v) => [v.name, v] as const))(
  "dict_matmul_rows variant %s against the float64 reference",
  (_, v) => {
    it.each(rowsCases.map((c) => [JSON.stringify(c), c] as const))("%s", async (_, c) => {
      const offW = 8; // W and bias sit past the start of params, as in the dictionary's layout
      const a = random(c.M * c.K, 1);
      const w = random(c.K * c.N, 2);
      const bias = random(c.N, 3);
      const prev = random(c.M * c.N, 4);
      const y = random(c.M * (c.subY ?? 1), 5);
      const sOut = 1.5;
      const params = new Float32Array(offW + c.K * c.N + c.N);
      params.set(w, offW);
      params.set(bias, offW + c.K * c.N);
      const out = storage(prev);
      const got = await run(
        v,
        {
          K4: c.K / 4,
          N4: c.N / 4,
          OFF_W4: offW / 4,
          OFF_BIAS4: (offW + c.K * c.N) / 4,
          RELU_A: c.reluA ? 1 : 0,
          SUB_Y: c.subY !== undefined ? 1 : 0,
          Y_WIDTH: c.subY ?? 1,
          BIAS: c.noBias ? 0 : 1,
          ACCUMULATE: c.accumulate ? 1 : 0,
        },
        [dims(c.M), stepParams(0, sOut), storage(a), storage(params), storage(y), out],
        out,
        c.M * c.N,
        c.N / 4,
        c.M,
      );
      const want = rowsReference(c, a, w, bias, prev, y, sOut);
      expect(scaledError(got, want)).toBeLessThan(1e-5);
    });
  },
);

interface AtCase {
  B: number;
  R: number;
  N: number;
  mode: "encoder" | "decoder" | "skip";
}

const atCases: AtCase[] = [
  // R over a 128-row tile, N4 = 33 (three tile columns), B not a whole batch tile
  { B: 131, R: 132, N: 132, mode: "decoder" },
  { B: 1, R: 4, N: 8, mode: "encoder" },
  // A4 = 9 (odd), N4 = 18
  { B: 37, R: 36, N: 72, mode: "skip" },
];

describe.each(gemmVariants("at", subgroups).map((v) => [v.name, v] as const))(
  "dict_matmul_at variant %s against the float64 reference",
  (_, v) => {
    it.each(atCases.map((c) => [JSON.stringify(c), c] as const))("%s", async (_, c) => {
      const decoder = c.mode === "decoder";
      const a = random(c.B * c.R, 11, decoder ? 0.1 : 0);
      // Some rows of out whose A column is all negative (ReLU makes their sum 0) or whose norm is 0.
      for (let b = 0; b < c.B; b++) a[b * c.R + 1] = -Math.abs(a[b * c.R + 1]!);
      const g = random(c.B * c.N, 12);
      const norms = random(c.R, 13, 1);
      norms[2] = 0;
      const offWDec = 4;
      const wDec = random(c.R * c.N, 14);
      const params = new Float32Array(offWDec + c.R * c.N);
      params.set(wDec, offWDec);
      const offOut = 4;
      const offBias = offOut + c.R * c.N;
      const l1 = 0.3;
      const grads = storage(new Float32Array(offBias + c.N));
      const got = await run(
        v,
        {
          A4: c.R / 4,
          G4: c.N / 4,
          OFF_OUT4: offOut / 4,
          DECODER: decoder ? 1 : 0,
          OFF_BIAS4: offBias / 4,
          SKIP_GRAD: c.mode === "skip" ? 1 : 0,
        },
        [
          dims(c.B, offWDec),
          stepParams(l1, 1),
          storage(a),
          storage(g),
          storage(params),
          storage(norms),
          grads,
        ],
        grads,
        offBias + c.N,
        c.N / 4,
        c.R,
      );
      const want = new Float64Array(offBias + c.N);
      for (let r = 0; r < c.R; r++) {
        let sumF = 0;
        for (let b = 0; b < c.B; b++) sumF += Math.max(a[b * c.R + r]!, 0);
        for (let n = 0; n < c.N; n++) {
          let s = 0;
          for (let b = 0; b < c.B; b++) {
            const x = a[b * c.R + r]!;
            s += (decoder ? Math.max(x, 0) : x) * g[b * c.N + n]!;
          }
          if (decoder) {
            s *= 2 / c.B;
            if (sumF > 0 && norms[r]! > 0)
              s += ((l1 / c.B) * sumF * wDec[r * c.N + n]!) / norms[r]!;
          }
          if (c.mode === "skip") s *= 2 / c.B;
          want[offOut + r * c.N + n] = s;
        }
      }
      if (c.mode === "encoder")
        for (let n = 0; n < c.N; n++)
          for (let b = 0; b < c.B; b++) want[offBias + n]! += g[b * c.N + n]!;
      expect(scaledError(got, want)).toBeLessThan(1e-5);
    });
  },
);

describe("GEMM variant registry", () => {
  it("offers the subgroup variants only with the subgroups feature", () => {
    const names = (s: boolean) => gemmVariants("rows", s).map((v) => v.name);
    expect(names(false)).not.toContain("subgroupSplitK");
    expect(names(true)).toContain("subgroupSplitK");
    expect(names(false)).toContain("tiled64x64");
  });

  it("falls back to the blocked kernel where a variant's grid is over 65535 workgroups", () => {
    expect(variantForShape("rows", "subgroupSplitK", 70000, 8).name).toBe("blocked");
    expect(variantForShape("rows", "subgroupSplitK", 600, 8).name).toBe("subgroupSplitK");
  });

  it("accepts only choices whose variants exist", () => {
    expect(isGemmChoice({ rows: "tiled64x64", at: "blocked" })).toBe(true);
    expect(isGemmChoice({ rows: "tiled32x32", at: "blocked" })).toBe(false);
    expect(isGemmChoice({ rows: "blocked" })).toBe(false);
    expect(isGemmChoice("blocked")).toBe(false);
  });
});
