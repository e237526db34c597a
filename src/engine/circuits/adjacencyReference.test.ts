import { describe, expect, it } from "vitest";
import { adjacencyRowsReference } from "./adjacencyReference.ts";
import { frozenForwardReference, type FrozenForwardReads } from "./frozenForwardReference.ts";
import type { AttributionSources, AttributionTargets, FrozenModel } from "./frozenModel.ts";
import { randomFrozenModel, sourcesAtEverySlot, targetsAtEveryLayer } from "./randomFrozenModel.ts";

const SHAPE = { nLayer: 3, dModel: 8, nHead: 2, positions: 5 };

/** Each target's value r_t · (its read) in a forward pass. */
function readTargets(model: FrozenModel, reads: FrozenForwardReads, targets: AttributionTargets) {
  const d = model.dModel;
  return Array.from({ length: targets.count }, (_, t) => {
    const layer = targets.layer[t]!;
    const read = layer === model.nLayer ? reads.lnFinalNormalized : reads.ln2Normalized[layer]!;
    let sum = 0;
    for (let c = 0; c < d; c++) sum += targets.vectors[t * d + c]! * read[targets.pos[t]! * d + c]!;
    return sum;
  });
}

function oneSource(sources: AttributionSources, s: number, d: number, scale = 1) {
  return {
    count: 1,
    slot: sources.slot.slice(s, s + 1),
    pos: sources.pos.slice(s, s + 1),
    vectors: sources.vectors.slice(s * d, (s + 1) * d).map((v) => v * scale),
  };
}

const VARIANTS = [
  { skip: false, ln1Gain: false },
  { skip: true, ln1Gain: false },
  { skip: true, ln1Gain: true },
  { skip: false, ln1Gain: true },
];

describe("adjacencyRowsReference", () => {
  for (const variant of VARIANTS) {
    const name = `${variant.skip ? "with" : "without"} W_skip, ${variant.ln1Gain ? "with" : "without"} ln1 gain`;

    it(`equals each source's column from a frozen forward pass (JVP), ${name}`, () => {
      const model = randomFrozenModel({ ...SHAPE, ...variant }, 1);
      const sources = sourcesAtEverySlot(model, 2);
      const targets = targetsAtEveryLayer(model, 2, 3);
      const A = adjacencyRowsReference(model, sources, targets);
      const S = sources.count;
      let maxRef = 0;
      let maxDiff = 0;
      for (let s = 0; s < S; s++) {
        const column = readTargets(
          model,
          frozenForwardReference(model, oneSource(sources, s, model.dModel)),
          targets,
        );
        for (let t = 0; t < targets.count; t++) {
          maxRef = Math.max(maxRef, Math.abs(column[t]!));
          maxDiff = Math.max(maxDiff, Math.abs(A[t * S + s]! - column[t]!));
        }
      }
      expect(maxRef).toBeGreaterThan(0.1);
      expect(maxDiff / maxRef).toBeLessThan(1e-12);
    });

    it(`predicts each target's move when a source is perturbed by δ (circuit-tracer's test), ${name}`, () => {
      const model = randomFrozenModel({ ...SHAPE, ...variant }, 4);
      const sources = sourcesAtEverySlot(model, 5);
      const targets = targetsAtEveryLayer(model, 2, 6);
      const A = adjacencyRowsReference(model, sources, targets);
      const base = readTargets(model, frozenForwardReference(model, sources), targets);
      const d = model.dModel;
      // Doubling or removing a source keeps its float32 vector exact.
      for (const [s, delta] of [
        [0, 1],
        [7, -1],
        [11, 1],
        [14, -1],
        [sources.count - 1, 1],
      ] as const) {
        const perturbed = {
          ...sources,
          vectors: sources.vectors.map((v, i) => (Math.floor(i / d) === s ? v * (1 + delta) : v)),
        };
        const moved = readTargets(model, frozenForwardReference(model, perturbed), targets);
        for (let t = 0; t < targets.count; t++)
          expect(moved[t]! - base[t]!, `target ${t}, source ${s}`).toBeCloseTo(
            delta * A[t * sources.count + s]!,
            10,
          );
      }
    });
  }

  it("has edges only from earlier slots and earlier or equal positions", () => {
    const model = randomFrozenModel({ ...SHAPE, skip: true, ln1Gain: true }, 7);
    const sources = sourcesAtEverySlot(model, 8);
    const targets = targetsAtEveryLayer(model, 2, 9);
    const A = adjacencyRowsReference(model, sources, targets);
    let nonZero = 0;
    for (let t = 0; t < targets.count; t++)
      for (let s = 0; s < sources.count; s++) {
        const slot = sources.slot[s]!;
        const upstream = slot === model.nLayer || slot < targets.layer[t]!;
        const reachable = upstream && sources.pos[s]! <= targets.pos[t]!;
        const value = A[t * sources.count + s]!;
        if (!reachable) expect(value, `target ${t}, source ${s}`).toBe(0);
        else if (value !== 0) nonZero++;
      }
    expect(nonZero).toBeGreaterThan(100);
  });

  it("refuses sources or targets that do not fit the model, naming the field", () => {
    const model = randomFrozenModel({ ...SHAPE, skip: false, ln1Gain: false }, 10);
    const sources = sourcesAtEverySlot(model, 11);
    const targets = targetsAtEveryLayer(model, 2, 12);
    const badSlot = { ...sources, slot: sources.slot.map((v, i) => (i === 2 ? 4 : v)) };
    expect(() => adjacencyRowsReference(model, badSlot, targets)).toThrow(
      "AttributionSources.slot[2] = 4, expected 0..3",
    );
    const badLogit = { ...targets, pos: targets.pos.map((v, i) => (i === 15 ? 2 : v)) };
    expect(() => adjacencyRowsReference(model, sources, badLogit)).toThrow(
      /AttributionTargets.pos\[15\] = 2: a logit target .* last position, 4/,
    );
    const shortVectors = { ...targets, vectors: targets.vectors.subarray(8) };
    expect(() => adjacencyRowsReference(model, sources, shortVectors)).toThrow(
      "AttributionTargets.vectors has 128 values, expected 136",
    );
    const badPattern = {
      ...model,
      layers: model.layers.map((l, i) => (i === 1 ? { ...l, pattern: l.pattern.subarray(1) } : l)),
    };
    expect(() => adjacencyRowsReference(badPattern, sources, targets)).toThrow(
      "FrozenModel.layers[1].pattern has 49 values, expected 50",
    );
  });
});
