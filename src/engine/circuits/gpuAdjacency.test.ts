import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { adjacencyRowsReference } from "./adjacencyReference.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";
import { GpuAdjacency } from "./gpuAdjacency.ts";
import {
  randomFrozenModel,
  randomSources,
  randomTargets,
  sourcesAtEverySlot,
  targetsAtEveryLayer,
  type RandomFrozenModelShape,
} from "./randomFrozenModel.ts";

const shaders = loadNodeShaders();
const SHAPE = { nLayer: 3, dModel: 8, nHead: 2, positions: 5 };

/** Sources at every (slot, position), plus `extra` at random slots and positions. */
function mixedSources(model: FrozenModel, extra: number, seed: number): AttributionSources {
  const rand = seededRandom(seed);
  const every = sourcesAtEverySlot(model, seed);
  const slots = Array.from({ length: extra }, () => Math.floor(rand() * (model.nLayer + 1)));
  const positions = slots.map(() => Math.floor(rand() * model.positions));
  const more = randomSources(model, slots, positions, seed + 1);
  return {
    count: every.count + extra,
    slot: Int32Array.from([...every.slot, ...more.slot]),
    pos: Int32Array.from([...every.pos, ...more.pos]),
    vectors: Float32Array.from([...every.vectors, ...more.vectors]),
  };
}

/** Feature targets at every (layer, position), logits, then `extra` random ones, shuffled. */
function mixedTargets(model: FrozenModel, extra: number, seed: number): AttributionTargets {
  const rand = seededRandom(seed);
  const every = targetsAtEveryLayer(model, 3, seed);
  const layers = Array.from({ length: extra }, () => Math.floor(rand() * (model.nLayer + 1)));
  const positions = layers.map((l) =>
    l === model.nLayer ? model.positions - 1 : Math.floor(rand() * model.positions),
  );
  const more = randomTargets(model, layers, positions, seed + 1);
  const count = every.count + extra;
  const order = Array.from({ length: count }, (_, i) => i).sort(() => rand() - 0.5);
  const all = (a: ArrayLike<number>, b: ArrayLike<number>) => [...Array.from(a), ...Array.from(b)];
  const layer = all(every.layer, more.layer);
  const pos = all(every.pos, more.pos);
  const vectors = all(every.vectors, more.vectors);
  const d = model.dModel;
  return {
    count,
    layer: Int32Array.from(order, (i) => layer[i]!),
    pos: Int32Array.from(order, (i) => pos[i]!),
    vectors: Float32Array.from(order.flatMap((i) => vectors.slice(i * d, (i + 1) * d))),
  };
}

/** The largest |gpu − ref| over the largest |ref|, per row, and overall. */
function relativeErrors(gpu: Float32Array, ref: Float64Array, count: number) {
  const S = ref.length / count;
  let worstRow = 0;
  let maxRef = 0;
  let maxDiff = 0;
  for (let t = 0; t < count; t++) {
    let rowRef = 0;
    let rowDiff = 0;
    for (let s = 0; s < S; s++) {
      rowRef = Math.max(rowRef, Math.abs(ref[t * S + s]!));
      rowDiff = Math.max(rowDiff, Math.abs(gpu[t * S + s]! - ref[t * S + s]!));
    }
    // A row whose reference is all zero (a feature at layer 0 reads only embeddings) must be zero.
    worstRow = Math.max(worstRow, rowRef === 0 ? rowDiff : rowDiff / rowRef);
    maxRef = Math.max(maxRef, rowRef);
    maxDiff = Math.max(maxDiff, rowDiff);
  }
  return { worstRow, overall: maxDiff / maxRef, maxRef };
}

async function expectMatchesReference(
  shape: RandomFrozenModelShape,
  batchRows: number,
  extraTargets: number,
  seed: number,
) {
  const { device } = await testDevice();
  const model = randomFrozenModel(shape, seed);
  const sources = mixedSources(model, 23, seed + 10);
  const targets = mixedTargets(model, extraTargets, seed + 20);
  const adjacency = await GpuAdjacency.create(device, shaders, model, sources, { batchRows });
  const { rows, passes } = await adjacency.rows(targets);
  adjacency.destroy();
  expect(passes).toBe(Math.ceil(targets.count / batchRows));
  expect(rows.length).toBe(targets.count * sources.count);
  const errors = relativeErrors(
    rows,
    adjacencyRowsReference(model, sources, targets),
    targets.count,
  );
  expect(errors.maxRef).toBeGreaterThan(0.1);
  expect(errors.overall).toBeLessThan(1e-5);
  expect(errors.worstRow).toBeLessThan(1e-5);
  return targets.count;
}

describe("GpuAdjacency", () => {
  it("matches the float64 reference one row per pass (B = 1), W_skip and ln1 gain", async () => {
    const count = await expectMatchesReference({ ...SHAPE, skip: true, ln1Gain: true }, 1, 0, 1);
    expect(count).toBe(18);
  });

  it("matches the float64 reference with B = 64 over 2 passes, 70 mixed targets", async () => {
    const count = await expectMatchesReference({ ...SHAPE, skip: true, ln1Gain: true }, 64, 52, 2);
    expect(count % 64).not.toBe(0);
  });

  it("matches without W_skip or gain, B = 7 (a partial last pass), dHead 6", async () => {
    const shape = { nLayer: 2, dModel: 12, nHead: 2, positions: 5, skip: false, ln1Gain: false };
    const count = await expectMatchesReference(shape, 7, 5, 3);
    expect(count % 7).not.toBe(0);
  });

  it("gives the same rows reused across calls, for targets of one layer only", async () => {
    const { device } = await testDevice();
    const model = randomFrozenModel({ ...SHAPE, skip: true, ln1Gain: false }, 4);
    const sources = mixedSources(model, 9, 5);
    const adjacency = await GpuAdjacency.create(device, shaders, model, sources, { batchRows: 4 });
    for (const layer of [1, 3, 0]) {
      const pos = layer === SHAPE.nLayer ? [4, 4, 4] : [0, 2, 4];
      const targets = randomTargets(model, [layer, layer, layer], pos, 6 + layer);
      const { rows } = await adjacency.rows(targets);
      const ref = adjacencyRowsReference(model, sources, targets);
      expect(relativeErrors(rows, ref, 3).overall, `layer ${layer}`).toBeLessThan(1e-5);
      if (layer === 0)
        expect(rows.every((v, i) => v === 0 || sources.slot[i % sources.count] === 3)).toBe(true);
    }
    adjacency.destroy();
  });

  it("refuses a batch whose gradient exceeds the binding limit, and bad targets", async () => {
    const { device } = await testDevice();
    const model = randomFrozenModel({ ...SHAPE, skip: false, ln1Gain: false }, 7);
    const sources = sourcesAtEverySlot(model, 8);
    const huge = Math.ceil(device.limits.maxStorageBufferBindingSize / (5 * 8 * 4)) + 1;
    await expect(
      GpuAdjacency.create(device, shaders, model, sources, { batchRows: huge }),
    ).rejects.toThrow(/maxStorageBufferBindingSize .*use batchRows ≤/);
    await expect(
      GpuAdjacency.create(device, shaders, model, sources, { batchRows: 0 }),
    ).rejects.toThrow("batchRows must be a positive integer, got 0");
    const adjacency = await GpuAdjacency.create(device, shaders, model, sources, { batchRows: 2 });
    const running = adjacency.rows(randomTargets(model, [2, 1, 0], [4, 3, 2], 10));
    await expect(adjacency.rows(randomTargets(model, [1], [1], 11))).rejects.toThrow(
      "GpuAdjacency.rows: the previous call has not finished",
    );
    expect((await running).passes).toBe(2);
    const targets = randomTargets(model, [0, 3], [1, 2], 9);
    await expect(adjacency.rows(targets)).rejects.toThrow(
      /AttributionTargets.pos\[1\] = 2: a logit target/,
    );
    adjacency.destroy();
  });
});
