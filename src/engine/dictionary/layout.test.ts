import { describe, expect, it } from "vitest";
import { seededRandom } from "./init.ts";
import { packParams, paramLayout, unpackParams } from "./layout.ts";
import type { DictionaryParams } from "./spec.ts";

/** Params whose every entry is non-zero and distinct, so misplaced copies are visible. */
function distinctParams(dIn: number, dSae: number, dOut: number, seed: number): DictionaryParams {
  const rand = seededRandom(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => 0.5 + rand());
  return {
    wEnc: fill(dIn * dSae),
    bEnc: fill(dSae),
    wDec: fill(dSae * dOut),
    bDec: fill(dOut),
  };
}

describe("paramLayout", () => {
  it("pads d_sae to a multiple of 4", () => {
    const cases: [number, number][] = [
      [1, 4],
      [3, 4],
      [4, 4],
      [5, 8],
      [128, 128],
      [131, 132],
      [133, 136],
    ];
    for (const [dSae, fp] of cases) {
      expect(paramLayout({ dIn: 3, dSae, dOut: 3 }).fp).toBe(fp);
    }
  });

  it("has contiguous offsets W_enc | b_enc | W_dec | b_dec (hand-computed)", () => {
    // d_in = 5 -> dInP = 8, d_sae = 131 -> Fp = 132, d_out = 3 -> dOutP = 4:
    // W_enc at 0 (8*132 = 1056 floats), b_enc at 1056 (132), W_dec at 1188 (132*4 = 528),
    // b_dec at 1716 (4), total 1720.
    const l = paramLayout({ dIn: 5, dSae: 131, dOut: 3 });
    expect(l).toEqual({
      dIn: 5,
      dSae: 131,
      dOut: 3,
      fp: 132,
      dInP: 8,
      dOutP: 4,
      offWEnc: 0,
      offBEnc: 1056,
      offWDec: 1188,
      offBDec: 1716,
      threshold: "none",
      offThreshold: 1720,
      skip: false,
      offWSkip: 1720,
      total: 1720,
    });
  });

  it("offsets are contiguous and vec4-aligned for many shapes", () => {
    for (const dIn of [1, 2, 3, 5, 8]) {
      for (const dSae of [1, 2, 7, 12, 131]) {
        for (const dOut of [1, 3, 4, 5]) {
          const l = paramLayout({ dIn, dSae, dOut });
          for (const [padded, width] of [
            [l.fp, dSae],
            [l.dInP, dIn],
            [l.dOutP, dOut],
          ] as const) {
            expect(padded % 4).toBe(0);
            expect(padded).toBeGreaterThanOrEqual(width);
            expect(padded - width).toBeLessThan(4);
          }
          expect(l.offWEnc).toBe(0);
          expect(l.offBEnc).toBe(l.offWEnc + l.dInP * l.fp);
          expect(l.offWDec).toBe(l.offBEnc + l.fp);
          expect(l.offBDec).toBe(l.offWDec + l.fp * l.dOutP);
          expect(l.total).toBe(l.offBDec + l.dOutP);
          for (const off of [l.offWEnc, l.offBEnc, l.offWDec, l.offBDec]) expect(off % 4).toBe(0);
        }
      }
    }
  });
});

describe("packParams / unpackParams", () => {
  const shapes: [number, number, number][] = [
    [5, 131, 3],
    [7, 131, 7],
    [1, 1, 1],
    [3, 128, 2],
    [4, 6, 9],
  ];

  for (const [dIn, dSae, dOut] of shapes) {
    it(`round-trips exactly and zero-fills padding (d_in=${dIn}, d_sae=${dSae}, d_out=${dOut})`, () => {
      const l = paramLayout({ dIn, dSae, dOut });
      const p = distinctParams(dIn, dSae, dOut, dIn * 1000 + dSae * 10 + dOut);
      const flat = packParams(l, p);
      expect(flat.length).toBe(l.total);

      // Entries land where the layout says.
      for (let k = 0; k < dIn; k++) {
        for (let i = 0; i < dSae; i++) {
          expect(flat[l.offWEnc + k * l.fp + i]).toBe(p.wEnc[k * dSae + i]);
        }
      }
      for (let i = 0; i < dSae; i++) expect(flat[l.offBEnc + i]).toBe(p.bEnc[i]);
      for (let i = 0; i < dSae; i++) {
        for (let d = 0; d < dOut; d++) {
          expect(flat[l.offWDec + i * l.dOutP + d]).toBe(p.wDec[i * dOut + d]);
        }
      }
      for (let d = 0; d < dOut; d++) expect(flat[l.offBDec + d]).toBe(p.bDec[d]);

      // Every other entry is padding and exactly zero: nothing is lost or duplicated.
      let nonZero = 0;
      for (const v of flat) if (v !== 0) nonZero++;
      expect(nonZero).toBe(dIn * dSae + dSae + dSae * dOut + dOut);
      const padding =
        l.dInP * l.fp -
        dIn * dSae +
        (l.fp - dSae) +
        (l.fp * l.dOutP - dSae * dOut) +
        (l.dOutP - dOut);
      expect(nonZero + padding).toBe(l.total);

      const back = unpackParams(l, flat);
      expect(Array.from(back.wEnc)).toEqual(Array.from(p.wEnc));
      expect(Array.from(back.bEnc)).toEqual(Array.from(p.bEnc));
      expect(Array.from(back.wDec)).toEqual(Array.from(p.wDec));
      expect(Array.from(back.bDec)).toEqual(Array.from(p.bDec));

      // Unpacked tensors are copies: later writes to the flat buffer do not leak into them.
      flat.fill(-7);
      expect(back.wEnc[0]).toBe(p.wEnc[0]);
      expect(back.bEnc[0]).toBe(p.bEnc[0]);
      expect(back.wDec[0]).toBe(p.wDec[0]);
      expect(back.bDec[0]).toBe(p.bDec[0]);
    });
  }

  it("unpack ignores whatever sits in the padding", () => {
    const l = paramLayout({ dIn: 5, dSae: 131, dOut: 3 });
    const p = distinctParams(5, 131, 3, 99);
    const flat = packParams(l, p);
    for (let k = 0; k < 5; k++) flat[l.offWEnc + k * l.fp + 131] = 123;
    flat[l.offBEnc + 131] = 456;
    for (let d = 0; d < 3; d++) flat[l.offWDec + 131 * l.dOutP + d] = 789;
    for (let i = 0; i < 131; i++) flat[l.offWDec + i * l.dOutP + 3] = 321;
    for (let k = 5; k < 8; k++) flat[l.offWEnc + k * l.fp] = 654;
    flat[l.offBDec + 3] = 987;
    const back = unpackParams(l, flat);
    expect(Array.from(back.wEnc)).toEqual(Array.from(p.wEnc));
    expect(Array.from(back.bEnc)).toEqual(Array.from(p.bEnc));
    expect(Array.from(back.wDec)).toEqual(Array.from(p.wDec));
    expect(Array.from(back.bDec)).toEqual(Array.from(p.bDec));
  });

  it("keeps JumpReLU's log θ, BatchTopK's τ and a transposed W_skip after b_dec", () => {
    const [dIn, dSae, dOut] = [5, 7, 3];
    const p = distinctParams(dIn, dSae, dOut, 5);
    p.wSkip = Float32Array.from({ length: dOut * dIn }, (_, e) => e + 1);
    p.threshold = Float32Array.from({ length: dSae }, (_, i) => 0.25 * (i + 1));
    const l = paramLayout({ dIn, dSae, dOut, skip: true }, "log");
    expect(l.offThreshold).toBe(l.offBDec + l.dOutP);
    expect(l.offWSkip).toBe(l.offThreshold + l.fp);
    expect(l.total).toBe(l.offWSkip + l.dInP * l.dOutP);
    const flat = packParams(l, p);
    expect(flat[l.offThreshold + 2]).toBeCloseTo(Math.log(0.75), 6);
    // W_skip [d_out, d_in] is stored as W_skipᵀ [dInP, dOutP]: W_skip[1][4] at row 4, column 1.
    expect(flat[l.offWSkip + 4 * l.dOutP + 1]).toBe(p.wSkip[1 * dIn + 4]);
    const back = unpackParams(l, flat);
    expect(Array.from(back.wSkip!)).toEqual(Array.from(p.wSkip));
    back.threshold!.forEach((t, i) => expect(t).toBeCloseTo(p.threshold![i]!, 6));
    expect(unpackParams(l, flat, true).threshold![2]).toBe(flat[l.offThreshold + 2]);

    const scalar = paramLayout({ dIn, dSae, dOut }, "scalar");
    expect(scalar.total).toBe(scalar.offThreshold + 4);
    const tau = packParams(scalar, { ...p, threshold: new Float32Array(dSae).fill(0.5) });
    expect(tau[scalar.offThreshold]).toBe(0.5);
    expect(Array.from(unpackParams(scalar, tau).threshold!)).toEqual(Array(dSae).fill(0.5));
    expect(packParams(scalar, { ...p, threshold: undefined })[scalar.offThreshold]).toBe(0);
  });
});
