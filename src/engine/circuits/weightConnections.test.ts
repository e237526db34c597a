import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import {
  deembedding,
  downstreamConnections,
  extremes,
  upstreamConnections,
  type Extremes,
  type TranscoderStack,
  type TranscoderWeights,
} from "./weightConnections.ts";

const D = 6;
const rand = seededRandom(12);
const uniform = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);

function transcoder(dSae: number): TranscoderWeights {
  return {
    spec: { dIn: D, dSae, dOut: D },
    params: { wEnc: uniform(D * dSae), wDec: uniform(dSae * D) },
  };
}

/** Layers 0, 1 and 3 have transcoders of widths 9, 7, 11; layer 2 has none. */
const STACK: TranscoderStack = [transcoder(9), transcoder(7), undefined, transcoder(11)];

/** W_dec^(l1)[f1] · W_enc^(l2)[:, f2] by the definition. */
function connection(l1: number, f1: number, l2: number, f2: number): number {
  const src = STACK[l1]!;
  const dst = STACK[l2]!;
  let s = 0;
  for (let i = 0; i < D; i++)
    s += src.params.wDec[f1 * D + i]! * dst.params.wEnc[i * dst.spec.dSae + f2]!;
  return s;
}

/** The k largest and smallest of `values` by a full sort (ties: lower index). */
function bruteExtremes(values: number[], k: number): Extremes {
  const all = values.map((weight, index) => ({ index, weight }));
  const top = [...all].sort((a, b) => b.weight - a.weight || a.index - b.index).slice(0, k);
  const bottom = [...all].sort((a, b) => a.weight - b.weight || a.index - b.index).slice(0, k);
  return { top, bottom };
}

function expectSameExtremes(got: Extremes, want: Extremes) {
  for (const side of ["top", "bottom"] as const) {
    expect(got[side].map((e) => e.index)).toEqual(want[side].map((e) => e.index));
    got[side].forEach((e, i) => expect(e.weight).toBeCloseTo(want[side][i]!.weight, 12));
  }
}

describe("weight-based connections", () => {
  it("finds each earlier layer's top upstream features of a feature, both signs", () => {
    const k = 3;
    const got = upstreamConnections(STACK, 3, 4, k);
    expect(got.map((c) => c.layer)).toEqual([0, 1]);
    for (const c of got) {
      const width = STACK[c.layer]!.spec.dSae;
      const all = Array.from({ length: width }, (_, f1) => connection(c.layer, f1, 3, 4));
      expectSameExtremes(c, bruteExtremes(all, k));
    }
  });

  it("finds each later layer's top downstream features of a feature", () => {
    const got = downstreamConnections(STACK, 0, 8, 4);
    expect(got.map((c) => c.layer)).toEqual([1, 3]);
    for (const c of got) {
      const width = STACK[c.layer]!.spec.dSae;
      const all = Array.from({ length: width }, (_, f2) => connection(0, 8, c.layer, f2));
      expectSameExtremes(c, bruteExtremes(all, 4));
    }
    expect(downstreamConnections(STACK, 3, 0)).toEqual([]);
  });

  it("de-embeds a feature: W_E @ W_enc[:, f]", () => {
    const dVocab = 20;
    const wE = uniform(dVocab * D);
    const tc = STACK[1]!;
    const all = Array.from({ length: dVocab }, (_, t) => {
      let s = 0;
      for (let i = 0; i < D; i++) s += wE[t * D + i]! * tc.params.wEnc[i * tc.spec.dSae + 5]!;
      return s;
    });
    expectSameExtremes(deembedding(wE, dVocab, tc, 5, 5), bruteExtremes(all, 5));
  });

  it("breaks ties to the lower index and returns everything when k exceeds the width", () => {
    const got = extremes(Float64Array.of(1, 3, 3, -2, 1, -2), 10);
    expect(got.top.map((e) => e.index)).toEqual([1, 2, 0, 4, 3, 5]);
    expect(got.bottom.map((e) => e.index)).toEqual([3, 5, 0, 4, 1, 2]);
  });

  it("names the layer, feature or tensor that does not fit", () => {
    expect(() => upstreamConnections(STACK, 2, 0)).toThrow("layer 2 has no transcoder in the set");
    expect(() => upstreamConnections(STACK, 4, 0)).toThrow(
      "layer 4 is not one of the set's layers 0..3",
    );
    expect(() => upstreamConnections(STACK, 1, 7)).toThrow(
      "feature 7 is out of range for layer 1's transcoder (d_sae 7)",
    );
    const narrow: TranscoderWeights = {
      spec: { dIn: 4, dSae: 2, dOut: 4 },
      params: { wEnc: uniform(8), wDec: uniform(8) },
    };
    expect(() => upstreamConnections([STACK[0], narrow], 1, 0)).toThrow(
      "layer 0's transcoder writes d_out 6, layer 1's reads d_in 4",
    );
    const broken: TranscoderWeights = { ...narrow, params: { ...narrow.params, wDec: uniform(5) } };
    expect(() => downstreamConnections([broken], 0, 0)).toThrow(
      "layer 0's transcoder's W_dec has 5 entries, expected [d_sae 2, d_out 4]",
    );
    expect(() => deembedding(uniform(10), 3, STACK[0]!, 0)).toThrow(
      "W_E has 10 entries, expected d_vocab 3 × d_in 6",
    );
  });
});
