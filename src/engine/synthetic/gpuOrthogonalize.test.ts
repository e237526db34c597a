import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { gpuOrthogonalizeRows } from "./gpuOrthogonalize.ts";
import { normalizeRows, orthogonalityLoss, orthogonalizeRows } from "./orthogonalize.ts";

const shaders = loadNodeShaders();

function randomRows(n: number, d: number, seed: number) {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n * d }, () => rand() * 2 - 1);
}

describe("gpuOrthogonalizeRows", () => {
  it("matches the float64 orthogonalizeRows on 97 x 15 for 20 steps, and the loss falls", async () => {
    const { device } = await testDevice();
    // 15 columns and 97 rows: neither a multiple of 4, so the padding is exercised.
    const [n, d] = [97, 15];
    const cfg = { num_steps: 20, lr: 0.01, chunk_size: 1024 };
    const start = randomRows(n, d, 7);
    const want = start.slice();
    orthogonalizeRows(want, n, d, cfg);
    const got = start.slice();
    await gpuOrthogonalizeRows(device, shaders, got, n, d, cfg);

    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-5);
    const unitStart = start.slice();
    normalizeRows(unitStart, n, d);
    const before = orthogonalityLoss(unitStart, n, d);
    const after = orthogonalityLoss(got, n, d);
    const afterReference = orthogonalityLoss(want, n, d);
    expect(Math.abs(after - afterReference)).toBeLessThan(1e-6 * afterReference);
    expect(after).toBeLessThan(0.9 * before);
    for (let r = 0; r < n; r++) {
      expect(Math.hypot(...got.subarray(r * d, (r + 1) * d))).toBeCloseTo(1, 6);
    }
  });

  it("runs steps over several submits as in one (5 x 8, 3 steps)", async () => {
    const { device } = await testDevice();
    const [n, d] = [5, 8];
    const cfg = { num_steps: 3, lr: 0.05, chunk_size: 1024 };
    const want = randomRows(n, d, 3);
    const got = want.slice();
    orthogonalizeRows(want, n, d, cfg);
    await gpuOrthogonalizeRows(device, shaders, got, n, d, cfg, { stepsPerSubmit: 1 });
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
  });

  it("refuses W whose length is not n x d", async () => {
    const { device } = await testDevice();
    const cfg = { num_steps: 1, lr: 0.01, chunk_size: 1024 };
    await expect(
      gpuOrthogonalizeRows(device, shaders, new Float64Array(7), 2, 4, cfg),
    ).rejects.toThrow(/W holds 7 values, expected 2 x 4/);
  });
});
