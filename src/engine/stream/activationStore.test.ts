import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { seededRandom } from "../dictionary/init.ts";
import { createBuffer } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { referenceForward } from "../model/gpt2Reference.ts";
import { GpuGpt2 } from "../model/gpuGpt2.ts";
import { transcoderSites } from "../model/hooks.ts";
import { processWeights } from "../model/processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { ActivationStore } from "./activationStore.ts";
import { corpusFromTokens, SequenceSource, shuffledWindows } from "./tokenCorpus.ts";

const shaders = loadNodeShaders();
const cfg = tinyConfig();
const d = cfg.dModel;
const T = cfg.nCtx;
const weights = processWeights(randomGpt2Weights(cfg, 2));
const rand = seededRandom(4);
/** BOS (0) starts every sequence; token 5 also appears inside them. Both are "special". */
const SPECIAL = [0, 5];
const corpus = corpusFromTokens(
  "random tokens",
  Int32Array.from({ length: 500 }, (_, i) =>
    i % 11 === 3 ? 5 : 6 + Math.floor(rand() * (cfg.vocabSize - 6)),
  ),
  0,
);
const { input, output } = transcoderSites(0);
const B = 8;

const sourceFor = (seed: number) =>
  new SequenceSource(corpus, corpus.train, T, true, (range, body) =>
    shuffledWindows(range, body, seed),
  );

/** Serves `batches` batches of both sites, with the row ids and round sizes the store reports. */
async function serve(seed: number, batches: number, excludeTokens: number[] = SPECIAL) {
  const { device } = await testDevice();
  const model = new GpuGpt2(device, shaders, weights, 2 * T);
  const store = new ActivationStore(device, shaders, model, sourceFor(seed), {
    sites: [input, output],
    batchSize: B,
    bufferBatches: 4,
    seqsPerForward: 2,
    seed,
    excludeTokens,
  });
  const x = createBuffer(device, "x", B * d * 4);
  const y = createBuffer(device, "y", B * d * 4);
  const served: { x: Float32Array; y: Float32Array; ids: Float64Array }[] = [];
  const rounds: number[] = [];
  for (let i = 0; i < batches; i++) {
    store.nextBatch([
      { site: input, buffer: x },
      { site: output, buffer: y },
    ]);
    const ids = store.lastBatchRowIds();
    if (store.round.served === 1) rounds.push(store.round.batches);
    served.push({
      x: await readFloats(device, x, B * d),
      y: await readFloats(device, y, B * d),
      ids,
    });
  }
  // Every row the model produced, from the float64 reference over the same sequences.
  const replay = sourceFor(seed);
  const produced: { token: number; x: Float64Array; y: Float64Array }[] = [];
  for (let s = 0; s < store.tokensGenerated / T; s++) {
    const seq = Array.from(replay.next(1));
    const ref = referenceForward(weights, seq);
    for (let t = 0; t < T; t++) {
      produced.push({
        token: seq[t]!,
        x: ref.hooks.get(input)!.subarray(t * d, (t + 1) * d),
        y: ref.hooks.get(output)!.subarray(t * d, (t + 1) * d),
      });
    }
  }
  const info = {
    half: store.half,
    capacity: store.capacity,
    held: store.rowsHeld,
    excluded: store.tokensExcluded,
    generated: store.tokensGenerated,
    rounds,
  };
  store.destroy();
  model.destroy();
  return { served, produced, info };
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}

/** SAELens 6 mixing_buffer's batch counts: per refill, floor(rows / 2B) of the rows it holds. */
function saelensRounds(newRowsPerRefill: number[], batch: number): number[] {
  let stored = 0;
  return newRowsPerRefill.map((n) => {
    stored += n;
    const batches = Math.max(1, Math.floor(stored / (2 * batch)));
    stored -= batches * batch;
    return batches;
  });
}

describe("ActivationStore", () => {
  it("serves aligned (input, target) pairs of the rows it names, each once, never a special token", async () => {
    const batches = 12;
    const { served, produced, info } = await serve(1, batches);
    // 2 sequences x 9 tokens per forward; bufferBatches 4 -> 2 forwards per refill.
    expect(info.half).toBe(36);
    expect(info.capacity).toBe(2 * 36 + 2 * B);
    const seen = new Set<number>();
    for (const batch of served) {
      for (let r = 0; r < B; r++) {
        const id = batch.ids[r]!;
        expect(seen.has(id), `row ${id} served twice`).toBe(false);
        seen.add(id);
        const p = produced[id]!;
        expect(SPECIAL).not.toContain(p.token);
        expect(distance(batch.x.subarray(r * d, (r + 1) * d), p.x)).toBeLessThan(1e-4);
        expect(distance(batch.y.subarray(r * d, (r + 1) * d), p.y)).toBeLessThan(1e-4);
      }
    }
    // Nothing is lost: every non-special row produced was served or is still held.
    const usable = produced.filter((p) => !SPECIAL.includes(p.token)).length;
    expect(info.excluded).toBe(produced.length - usable);
    expect(info.excluded).toBeGreaterThan(0);
    expect(seen.size + info.held).toBe(usable);
  });

  it("serves floor(rows / 2B) batches per refill and carries the remainder over, as SAELens", async () => {
    const { info, produced } = await serve(2, 20, []);
    // With no exclusions each refill adds exactly `half` rows: 36 is not a multiple of 8.
    const refills = info.generated / info.half;
    expect(info.rounds).toEqual(saelensRounds(Array(refills).fill(info.half), B));
    expect(produced.length).toBe(info.generated);
    // Rounds grow from half a buffer's worth (the first refill) towards a whole one.
    expect(info.rounds[0]).toBe(2);
    expect(Math.max(...info.rounds)).toBeGreaterThan(info.rounds[0]!);
  });

  it("mixes rows from different refills in one batch", async () => {
    const { served } = await serve(3, 12, []);
    const half = 36;
    const refillOf = (id: number) => Math.floor(id / half);
    const mixed = served.filter((b) => new Set(Array.from(b.ids, refillOf)).size > 1);
    expect(mixed.length).toBeGreaterThan(0);
  });

  it("is reproducible from the seed, and the seed changes the order", async () => {
    const a = await serve(3, 3);
    const b = await serve(3, 3);
    const c = await serve(4, 3);
    expect(a.served.map((s) => Array.from(s.x))).toEqual(b.served.map((s) => Array.from(s.x)));
    expect(distance(a.served[0]!.x, c.served[0]!.x)).toBeGreaterThan(1e-3);
  });
});

describe("shuffledWindows", () => {
  it("visits every window once per epoch, in a new seeded order each epoch", () => {
    const range = { start: 10, end: 10 + 7 * 5 + 3 };
    const order = shuffledWindows(range, 5, 1);
    const epoch1 = Array.from({ length: 7 }, () => order.next());
    const epoch2 = Array.from({ length: 7 }, () => order.next());
    const all = Array.from({ length: 7 }, (_, i) => 10 + 5 * i);
    expect([...epoch1].sort((a, b) => a - b)).toEqual(all);
    expect([...epoch2].sort((a, b) => a - b)).toEqual(all);
    expect(epoch1).not.toEqual(epoch2);
    expect(epoch1).not.toEqual(all);
    const again = shuffledWindows(range, 5, 1);
    expect(Array.from({ length: 7 }, () => again.next())).toEqual(epoch1);
  });
});
