import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { bindBuffers, createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { normBackward, patternBackward } from "./adjacencyReference.ts";
import { CircuitKernels, siteWords, type NormSite } from "./circuitKernels.ts";
import { randomFrozenModel, randomSources } from "./randomFrozenModel.ts";
import { sourceChunks, SOURCES_PER_TILE } from "./sourceTiles.ts";

const shaders = loadNodeShaders();

function randomArray(n: number, seed: number): Float32Array<ArrayBuffer> {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
}

async function withDevice() {
  const { device } = await testDevice();
  const made: GPUBuffer[] = [];
  const buffer = (data: ArrayBufferView<ArrayBuffer> & { byteLength: number }, uniform = false) => {
    const usage = uniform
      ? GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST
      : GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const b = createBuffer(device, "test", data.byteLength, usage);
    device.queue.writeBuffer(b, 0, data);
    made.push(b);
    return b;
  };
  const dispatch = (pipeline: GPUComputePipeline, buffers: GPUBuffer[], grid: [number, number]) => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindBuffers(device, pipeline, buffers));
    pass.dispatchWorkgroups(grid[0], grid[1]);
    pass.end();
    device.queue.submit([encoder.finish()]);
  };
  const read = (b: GPUBuffer, n: number) => readFloats(device, b, n);
  const done = () => made.forEach((b) => b.destroy());
  return { device, buffer, dispatch, read, done };
}

function expectClose(got: Float32Array, want: ArrayLike<number>, tolerance: number) {
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(want[i]!));
    maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
  }
  expect(got.length).toBe(want.length);
  expect(maxRef).toBeGreaterThan(0.1);
  expect(maxDiff / maxRef).toBeLessThan(tolerance);
}

describe("circuit_norm_backward.wgsl", () => {
  const d = 12;
  const P = 5;
  const nb = 3;
  // Batch row 0 targets layer 2 at position 1, row 1 layer 1 (not injected here), row 2 layer 2 at 4.
  const sites = Int32Array.from([2, 1, 1, 3, 2, 4]);

  for (const site of [
    { injectLayer: 2, scaleRow: 1, hasResidual: true, hasInput: true },
    { injectLayer: 2, scaleRow: 2, hasResidual: false, hasInput: false },
    { injectLayer: -1, scaleRow: 0, hasResidual: true, hasInput: false },
  ] satisfies NormSite[]) {
    it(`matches the float64 LayerNorm backward, ${JSON.stringify(site)}`, async () => {
      const gpu = await withDevice();
      const kernels = new CircuitKernels(gpu.device, shaders, d, 6);
      const residual = randomArray(nb * P * d, 1);
      const input = randomArray(nb * P * d, 2);
      const rows = randomArray(nb * d, 3);
      const scales = Float64Array.from(randomArray(3 * P, 4), (v) => 0.5 + Math.abs(v));
      const out = gpu.buffer(new Float32Array(nb * P * d));
      gpu.dispatch(
        kernels.normBackward,
        [
          gpu.buffer(Uint32Array.from([nb * P, P, nb, 0]), true),
          gpu.buffer(siteWords(site), true),
          gpu.buffer(residual),
          gpu.buffer(input),
          gpu.buffer(Float32Array.from(scales, (s) => 1 / s)),
          gpu.buffer(sites),
          gpu.buffer(rows),
          out,
        ],
        kernels.normGrid(nb * P),
      );
      const x = new Float64Array(nb * P * d);
      if (site.hasInput) x.set(input);
      for (let b = 0; b < nb; b++)
        if (sites[2 * b] === site.injectLayer)
          for (let c = 0; c < d; c++) x[(b * P + sites[2 * b + 1]!) * d + c]! += rows[b * d + c]!;
      const rowScales = scales.subarray(site.scaleRow * P, (site.scaleRow + 1) * P);
      const want = new Float64Array(nb * P * d);
      for (let b = 0; b < nb; b++)
        want.set(normBackward(x.subarray(b * P * d, (b + 1) * P * d), rowScales, d), b * P * d);
      if (site.hasResidual) for (let i = 0; i < want.length; i++) want[i]! += residual[i]!;
      expectClose(await gpu.read(out, nb * P * d), want, 1e-6);
      gpu.done();
    });
  }
});

describe("circuit_pattern_backward.wgsl", () => {
  for (const shape of [
    { dModel: 16, nHead: 2 },
    { dModel: 12, nHead: 2 },
  ]) {
    it(`matches the float64 pattern backward, d ${shape.dModel}, dHead ${shape.dModel / shape.nHead}`, async () => {
      const gpu = await withDevice();
      const P = 6;
      const nb = 3;
      const model = randomFrozenModel(
        { ...shape, nLayer: 1, positions: P, skip: false, ln1Gain: false },
        5,
      );
      const d = model.dModel;
      const kernels = new CircuitKernels(gpu.device, shaders, d, model.dHead);
      const gZ = randomArray(nb * P * d, 6);
      const pattern = model.layers[0]!.pattern;
      const patternT = new Float32Array(pattern.length);
      for (let h = 0; h < model.nHead; h++)
        for (let p = 0; p < P; p++)
          for (let q = 0; q < P; q++) patternT[(h * P + q) * P + p] = pattern[(h * P + p) * P + q]!;
      const out = gpu.buffer(new Float32Array(nb * P * d));
      gpu.dispatch(
        kernels.patternBackward,
        [
          gpu.buffer(Uint32Array.from([nb * P, P, nb, 0]), true),
          gpu.buffer(gZ),
          gpu.buffer(patternT),
          out,
        ],
        kernels.patternGrid(nb * P),
      );
      const want = new Float64Array(nb * P * d);
      for (let b = 0; b < nb; b++) {
        const slice = Float64Array.from(gZ.subarray(b * P * d, (b + 1) * P * d));
        want.set(patternBackward(slice, pattern, model), b * P * d);
      }
      expectClose(await gpu.read(out, nb * P * d), want, 1e-6);
      gpu.done();
    });
  }
});

describe("circuit_source_dots.wgsl", () => {
  it("dots each source with the gradient at its position, in tiles cut into chunks", async () => {
    const gpu = await withDevice();
    const model = randomFrozenModel(
      { nLayer: 1, dModel: 8, nHead: 2, positions: 4, skip: false, ln1Gain: false },
      7,
    );
    const { dModel: d, positions: P } = model;
    const nb = 11;
    // Uneven counts per position (7, 1, 0, 5) so tiles are padded; all at slot 0.
    const positions = [0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 3, 3, 3];
    const sources = randomSources(
      model,
      positions.map(() => 0),
      positions,
      8,
    );
    const chunks = sourceChunks(sources, model.nLayer, d, 2);
    expect(chunks.map((c) => c.tiles)).toEqual([2, 2, 1]);
    const kernels = new CircuitKernels(gpu.device, shaders, d, model.dHead);
    const g = randomArray(nb * P * d, 9);
    const run = gpu.buffer(Uint32Array.from([nb * P, P, nb, 0]), true);
    const gBuffer = gpu.buffer(g);
    for (const chunk of chunks) {
      const n = chunk.tiles * SOURCES_PER_TILE;
      const out = gpu.buffer(new Float32Array(nb * n).fill(NaN));
      gpu.dispatch(
        kernels.sourceDots,
        [
          run,
          gpu.buffer(Uint32Array.from([chunk.tiles, 0, 0, 0]), true),
          gBuffer,
          gpu.buffer(chunk.vectors),
          gpu.buffer(chunk.tilePos),
          out,
        ],
        kernels.dotsGrid(chunk.tiles, nb),
      );
      const want = new Float64Array(nb * n);
      for (let b = 0; b < nb; b++)
        for (let j = 0; j < n; j++) {
          const at = (b * P + chunk.tilePos[Math.floor(j / SOURCES_PER_TILE)]!) * d;
          let sum = 0;
          for (let c = 0; c < d; c++) sum += chunk.vectors[j * d + c]! * g[at + c]!;
          want[b * n + j] = sum;
        }
      expectClose(await gpu.read(out, nb * n), want, 1e-6);
    }
    gpu.done();
  });
});

describe("sourceChunks", () => {
  it("places every source once, by slot then position, padding each position's last tile", () => {
    const model = randomFrozenModel(
      { nLayer: 2, dModel: 4, nHead: 1, positions: 3, skip: false, ln1Gain: false },
      10,
    );
    const slots = [2, 0, 0, 1, 0, 2, 0, 0, 0, 0];
    const positions = [0, 2, 1, 1, 2, 0, 2, 2, 2, 1];
    const sources = randomSources(model, slots, positions, 11);
    const chunks = sourceChunks(sources, model.nLayer, 4, 100);
    expect(chunks.map((c) => [c.slot, Array.from(c.tilePos)])).toEqual([
      [0, [1, 2, 2]],
      [1, [1]],
      [2, [0]],
    ]);
    expect(Array.from(chunks[0]!.columns)).toEqual([2, 9, -1, -1, 1, 4, 6, 7, 8, -1, -1, -1]);
    expect(Array.from(chunks[0]!.vectors.subarray(4, 8))).toEqual(
      Array.from(sources.vectors.subarray(36, 40)),
    );
    expect(chunks[0]!.vectors.subarray(8, 16).every((v) => v === 0)).toBe(true);
    expect(Array.from(chunks[2]!.columns)).toEqual([0, 5, -1, -1]);
  });
});
