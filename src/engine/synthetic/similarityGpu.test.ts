import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { gpuCosineSimilarities, similarityChunkRows } from "./similarityGpu.ts";
import { cosineSimilaritiesReference } from "./similarityMatrix.ts";

const shaders = loadNodeShaders();

function randomRows(rows: number, d: number, seed: number) {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: rows * d }, () => rand() * 2 - 1);
}

describe("gpuCosineSimilarities", () => {
  it("matches the float64 reference with d and the column count not multiples of 4, in chunks", async () => {
    const { device } = await testDevice();
    const shape = { rowsA: 37, rowsB: 23, d: 13 };
    const a = randomRows(shape.rowsA, shape.d, 1);
    const b = randomRows(shape.rowsB, shape.d, 2);
    // A zero row: its cosines are 0 (SAELens clamps the norm at 1e-8), not NaN.
    a.fill(0, 5 * shape.d, 6 * shape.d);
    const want = cosineSimilaritiesReference(a, b, shape);
    for (const chunkRows of [undefined, 8]) {
      const got = await gpuCosineSimilarities(device, shaders, a, b, shape, { chunkRows });
      expect(got.length).toBe(shape.rowsA * shape.rowsB);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-6);
      expect(Array.from(got.subarray(5 * shape.rowsB, 6 * shape.rowsB))).toEqual(
        new Array(shape.rowsB).fill(0),
      );
    }
  });

  it("gives 1 for a row against itself scaled, -1 against its negative, and the angle between", async () => {
    const { device } = await testDevice();
    const a = Float32Array.from([3, 4, 0, 0, 1, 0, 0, 0]);
    const b = Float32Array.from([0.6, 0.8, 0, 0, -2, 0, 0, 0]);
    const got = await gpuCosineSimilarities(device, shaders, a, b, { rowsA: 2, rowsB: 2, d: 4 });
    [1, -0.6, 0.6, -1].forEach((want, i) => expect(got[i]).toBeCloseTo(want, 6));
  });

  it("sizes chunks under 64 MiB of output for 4096 x 16384", () => {
    const rows = similarityChunkRows({ rowsA: 4096, rowsB: 16384, d: 768 });
    expect(rows * 16384 * 4).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(rows).toBeGreaterThanOrEqual(32);
  });

  it("refuses a set whose length is not rows x d", async () => {
    const { device } = await testDevice();
    await expect(
      gpuCosineSimilarities(device, shaders, new Float32Array(7), new Float32Array(8), {
        rowsA: 2,
        rowsB: 2,
        d: 4,
      }),
    ).rejects.toThrow(/first set holds 7 values, expected 2 x 4/);
  });
});
