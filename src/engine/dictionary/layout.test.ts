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
    // d_in = 5, d_sae = 131 -> Fp = 132, d_out = 3:
    // W_enc at 0 (5*132 = 660 floats), b_enc at 660 (132), W_dec at 792 (132*3 = 396),
    // b_dec at 1188 (3), total 1191.
    const l = paramLayout({ dIn: 5, dSae: 131, dOut: 3 });
    expect(l).toEqual({
      dIn: 5,
      dSae: 131,
      dOut: 3,
      fp: 132,
      offWEnc: 0,
      offBEnc: 660,
      offWDec: 792,
      offBDec: 1188,
      total: 1191,
    });
  });

  it("offsets are contiguous and vec4-aligned for many shapes", () => {
    for (const dIn of [1, 2, 3, 5, 8]) {
      for (const dSae of [1, 2, 7, 12, 131]) {
        for (const dOut of [1, 3, 4, 5]) {
          const l = paramLayout({ dIn, dSae, dOut });
          expect(l.fp % 4).toBe(0);
          expect(l.fp).toBeGreaterThanOrEqual(dSae);
          expect(l.fp - dSae).toBeLessThan(4);
          expect(l.offWEnc).toBe(0);
          expect(l.offBEnc).toBe(l.offWEnc + dIn * l.fp);
          expect(l.offWDec).toBe(l.offBEnc + l.fp);
          expect(l.offBDec).toBe(l.offWDec + l.fp * dOut);
          expect(l.total).toBe(l.offBDec + dOut);
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
          expect(flat[l.offWDec + i * dOut + d]).toBe(p.wDec[i * dOut + d]);
        }
      }
      for (let d = 0; d < dOut; d++) expect(flat[l.offBDec + d]).toBe(p.bDec[d]);

      // Padding latents are exactly zero: W_enc columns, b_enc tail, W_dec rows.
      let padding = 0;
      for (let k = 0; k < dIn; k++) {
        for (let i = dSae; i < l.fp; i++) {
          expect(flat[l.offWEnc + k * l.fp + i]).toBe(0);
          padding++;
        }
      }
      for (let i = dSae; i < l.fp; i++) {
        expect(flat[l.offBEnc + i]).toBe(0);
        padding++;
      }
      for (let e = l.offWDec + dSae * dOut; e < l.offBDec; e++) {
        expect(flat[e]).toBe(0);
        padding++;
      }
      expect(padding).toBe((l.fp - dSae) * (dIn + 1 + dOut));
      // Every other entry is a (non-zero) parameter: nothing is lost or duplicated as zero.
      let nonZero = 0;
      for (const v of flat) if (v !== 0) nonZero++;
      expect(nonZero).toBe(dIn * dSae + dSae + dSae * dOut + dOut);
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
    for (let d = 0; d < 3; d++) flat[l.offWDec + 131 * 3 + d] = 789;
    const back = unpackParams(l, flat);
    expect(Array.from(back.wEnc)).toEqual(Array.from(p.wEnc));
    expect(Array.from(back.bEnc)).toEqual(Array.from(p.bEnc));
    expect(Array.from(back.wDec)).toEqual(Array.from(p.wDec));
    expect(Array.from(back.bDec)).toEqual(Array.from(p.bDec));
  });
});
