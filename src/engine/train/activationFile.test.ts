import { describe, expect, it } from "vitest";
import { bytesByteSource } from "../formats/byteSource.ts";
import { openSafetensors, writeSafetensors } from "../formats/safetensors.ts";
import { ActivationFile } from "./activationFile.ts";

/** x[r] = [r, r + 0.5], y[r] = [-r]: each row says which row it is. */
async function file(rows: number) {
  const x = Float32Array.from({ length: rows * 2 }, (_, i) => Math.floor(i / 2) + (i % 2) * 0.5);
  const y = Float32Array.from({ length: rows }, (_, r) => -r);
  const bytes = writeSafetensors([
    { name: "x", dtype: "F32", shape: [rows, 2], data: x },
    { name: "y", dtype: "F32", shape: [rows, 1], data: y },
  ]);
  return ActivationFile.open(
    await openSafetensors(bytesByteSource(bytes, "acts.safetensors")),
    "transcoder",
  );
}

const rowsOf = (x: Float32Array) => Array.from({ length: x.length / 2 }, (_, j) => x[2 * j]!);

describe("ActivationFile", () => {
  it("serves batches in file order, wrapping around the end", async () => {
    const acts = await file(10);
    expect(rowsOf((await acts.batch(0, 4)).x)).toEqual([0, 1, 2, 3]);
    const b2 = await acts.batch(2, 4);
    expect(rowsOf(b2.x)).toEqual([8, 9, 0, 1]);
    expect(Array.from(b2.y!)).toEqual([-8, -9, -0, -1]);
    expect(rowsOf((await acts.batch(3, 4)).x)).toEqual([2, 3, 4, 5]);
    expect(rowsOf((await acts.batch(1, 25)).x).slice(0, 6)).toEqual([5, 6, 7, 8, 9, 0]);
  });

  it("shuffles with a seeded permutation per epoch, each row once per epoch", async () => {
    const acts = await file(10);
    const epoch = async (seed: number, first: number) => {
      const rows: number[] = [];
      for (let i = first; i < first + 5; i++)
        rows.push(...rowsOf((await acts.shuffledBatch(i, 2, seed)).x));
      return rows;
    };
    const a = await epoch(3, 0);
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await epoch(3, 0)).toEqual(a);
    expect(await epoch(4, 0)).not.toEqual(a);
    const next = await epoch(3, 5);
    expect([...next].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(next).not.toEqual(a);
    const shuffled = await acts.shuffledBatch(0, 2, 3);
    expect(Array.from(shuffled.y!)).toEqual(rowsOf(shuffled.x).map((r) => -r));
  });
});
