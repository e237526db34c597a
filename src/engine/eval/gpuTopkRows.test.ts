import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { topIndices } from "../reference/dictionaryInference.ts";
import { GpuTopkRows, type TopkRowsShape } from "./gpuTopkRows.ts";

const shaders = loadNodeShaders();
/** Padding columns hold this: larger than every value, so selecting one would show. */
const PAD = 1e6;

async function runTopk(shape: TopkRowsShape, rows: number, data: Float32Array<ArrayBuffer>) {
  const { device } = await testDevice();
  const kernel = new GpuTopkRows(device, shaders, shape);
  const count = createBuffer(device, "rows", 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  device.queue.writeBuffer(count, 0, new Uint32Array([rows, 0, 0, 0]));
  const values = createBuffer(device, "values", data.byteLength);
  device.queue.writeBuffer(values, 0, data);
  const indices = createBuffer(device, "indices", rows * shape.k * 4);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  kernel.encode(pass, kernel.bind(count, values, indices), rows);
  pass.end();
  device.queue.submit([encoder.finish()]);
  const got = await readFloats(device, values, rows * shape.stride);
  const idx = new Uint32Array((await readFloats(device, indices, rows * shape.k)).buffer);
  for (const b of [count, values, indices]) b.destroy();
  return { got, idx };
}

/** rows x stride values from `value(row, column)`, PAD past n. */
function fill(rows: number, shape: TopkRowsShape, value: (r: number, j: number) => number) {
  const data = new Float32Array(rows * shape.stride).fill(PAD);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < shape.n; j++) data[r * shape.stride + j] = value(r, j);
  return data;
}

async function expectReferenceSelection(shape: TopkRowsShape, rows: number, data: Float32Array) {
  const { got, idx } = await runTopk(shape, rows, Float32Array.from(data));
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * shape.stride, r * shape.stride + shape.n);
    const want = topIndices(row, shape.k).sort((a, b) => a - b);
    expect(Array.from(idx.subarray(r * shape.k, (r + 1) * shape.k)), `row ${r}`).toEqual(want);
    const expected = new Float32Array(shape.stride).fill(PAD);
    expected.fill(0, 0, shape.n);
    for (const j of want) expected[j] = shape.relu ? Math.max(0, row[j]!) : row[j]!;
    const gotRow = got.subarray(r * shape.stride, (r + 1) * shape.stride);
    expect(Array.from(gotRow), `row ${r}`).toEqual(Array.from(expected));
  }
}

describe("TopK rows kernel", () => {
  it("keeps the k largest of continuous values, then ReLU, and leaves the padding", async () => {
    const shape = { n: 30, stride: 32, k: 5, relu: true };
    const rand = seededRandom(1);
    await expectReferenceSelection(
      shape,
      7,
      fill(7, shape, () => rand() - 0.7),
    );
  });

  it("breaks many exact ties by the lower index, without ReLU", async () => {
    const shape = { n: 1000, stride: 1000, k: 37, relu: false };
    const rand = seededRandom(2);
    await expectReferenceSelection(
      shape,
      3,
      fill(3, shape, () => Math.round((rand() - 0.5) * 6) / 2),
    );
  });

  it("selects by index when every value is equal, with +0 and -0 alike", async () => {
    const shape = { n: 300, stride: 300, k: 100, relu: true };
    await expectReferenceSelection(
      shape,
      2,
      fill(2, shape, (r, j) => (r === 0 ? 0.25 : j % 3 === 0 ? -0 : 0)),
    );
  });

  it("handles k = 1 and k = n", async () => {
    const rand = seededRandom(3);
    for (const k of [1, 40]) {
      const shape = { n: 40, stride: 44, k, relu: true };
      await expectReferenceSelection(
        shape,
        4,
        fill(4, shape, () => Math.round((rand() - 0.5) * 8) / 4),
      );
    }
  });

  it("selects k = 256 of 65,536 quantised values in one row", async () => {
    const shape = { n: 65_536, stride: 65_536, k: 256, relu: true };
    const rand = seededRandom(4);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    await expectReferenceSelection(
      shape,
      1,
      fill(1, shape, () => Math.round(gauss() * 16) / 16),
    );
  });

  it("refuses k above 256 or above n", async () => {
    const { device } = await testDevice();
    expect(
      () => new GpuTopkRows(device, shaders, { n: 1000, stride: 1000, k: 257, relu: true }),
    ).toThrow(/k = 257 .*256/);
    expect(
      () => new GpuTopkRows(device, shaders, { n: 10, stride: 12, k: 11, relu: true }),
    ).toThrow(/k = 11 .*10/);
  });
});
