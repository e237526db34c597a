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
  // Only positions 0..3 are in the pass (rows position-major: r = p · nb + b).
  const active = 4;
  const M = active * nb;
  // Batch row 0 targets layer 2 at position 1, row 1 layer 1 (not injected here), row 2 layer 2 at 3.
  const sites = Int32Array.from([2, 1, 1, 3, 2, 3]);

  for (const site of [
    { injectLayer: 2, scaleRow: 1, hasResidual: true, hasInput: true },
    { injectLayer: 2, scaleRow: 2, hasResidual: false, hasInput: false },
    { injectLayer: -1, scaleRow: 0, hasResidual: true, hasInput: false },
  ] satisfies NormSite[]) {
    it(`matches the float64 LayerNorm backward, ${JSON.stringify(site)}`, async () => {
      const gpu = await withDevice();
      const kernels = new CircuitKernels(gpu.device, shaders, d, 6);
      const residual = randomArray(M * d, 1);
      const input = randomArray(M * d, 2);
      const rows = randomArray(nb * d, 3);
      const scales = Float64Array.from(randomArray(3 * P, 4), (v) => 0.5 + Math.abs(v));
      const out = gpu.buffer(new Float32Array(M * d));
      gpu.dispatch(
        kernels.normBackward,
        [
          gpu.buffer(Uint32Array.from([M, P, nb, 0]), true),
          gpu.buffer(siteWords(site), true),
          gpu.buffer(residual),
          gpu.buffer(input),
          gpu.buffer(Float32Array.from(scales, (s) => 1 / s)),
          gpu.buffer(sites),
          gpu.buffer(rows),
          out,
        ],
        kernels.normGrid(M),
      );
      const want = new Float64Array(M * d);
      for (let r = 0; r < M; r++) {
        const p = Math.floor(r / nb);
        const b = r % nb;
        const x = new Float64Array(d);
        if (site.hasInput) x.set(input.subarray(r * d, (r + 1) * d));
        if (sites[2 * b] === site.injectLayer && sites[2 * b + 1] === p)
          for (let c = 0; c < d; c++) x[c]! += rows[b * d + c]!;
        const scale = Float64Array.of(scales[site.scaleRow * P + p]!);
        want.set(normBackward(x, scale, d), r * d);
        if (site.hasResidual) for (let c = 0; c < d; c++) want[r * d + c]! += residual[r * d + c]!;
      }
      expectClose(await gpu.read(out, M * d), want, 1e-6);
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
      // The pass covers positions 0..4: the gradient at position 5 is zero.
      const active = 5;
      const model = randomFrozenModel(
        { ...shape, nLayer: 1, positions: P, skip: false, ln1Gain: false },
        5,
      );
      const d = model.dModel;
      const kernels = new CircuitKernels(gpu.device, shaders, d, model.dHead);
      const gZ = randomArray(active * nb * d, 6);
      const pattern = model.layers[0]!.pattern;
      const patternT = new Float32Array(pattern.length);
      for (let h = 0; h < model.nHead; h++)
        for (let p = 0; p < P; p++)
          for (let q = 0; q < P; q++) patternT[(h * P + q) * P + p] = pattern[(h * P + p) * P + q]!;
      const out = gpu.buffer(new Float32Array(active * nb * d));
      gpu.dispatch(
        kernels.patternBackward,
        [
          gpu.buffer(Uint32Array.from([active * nb, P, nb, 0]), true),
          gpu.buffer(gZ),
          gpu.buffer(patternT),
          out,
        ],
        kernels.patternGrid(active * nb),
      );
      const want = new Float64Array(active * nb * d);
      for (let b = 0; b < nb; b++) {
        const sequence = new Float64Array(P * d);
        for (let p = 0; p < active; p++)
          sequence.set(gZ.subarray((p * nb + b) * d, (p * nb + b + 1) * d), p * d);
        const gV = patternBackward(sequence, pattern, model);
        for (let q = 0; q < active; q++)
          want.set(gV.subarray(q * d, (q + 1) * d), (q * nb + b) * d);
      }
      expectClose(await gpu.read(out, active * nb * d), want, 1e-6);
      gpu.done();
    });
  }
});

describe("circuit_source_dots.wgsl", () => {
  it("dots each source with the gradient at its position, zero past the pass's positions", async () => {
    const gpu = await withDevice();
    const model = randomFrozenModel(
      { nLayer: 1, dModel: 8, nHead: 2, positions: 4, skip: false, ln1Gain: false },
      7,
    );
    const { dModel: d, positions: P } = model;
    const nb = 11;
    // The pass covers positions 0..2: sources at position 3 get zero.
    const active = 3;
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
    const g = randomArray(active * nb * d, 9);
    const run = gpu.buffer(Uint32Array.from([active * nb, P, nb, 0]), true);
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
          const pos = chunk.tilePos[Math.floor(j / SOURCES_PER_TILE)]!;
          if (pos >= active) continue;
          let sum = 0;
          for (let c = 0; c < d; c++) sum += chunk.vectors[j * d + c]! * g[(pos * nb + b) * d + c]!;
          want[b * n + j] = sum;
        }
      const got = await gpu.read(out, nb * n);
      if (chunk.tilePos.every((pos) => pos >= active)) expect(got.every((v) => v === 0)).toBe(true);
      else expectClose(got, want, 1e-6);
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
