import { describe, expect, it } from "vitest";
import { f16BitsToNumber, numberToBf16Bits, numberToF16Bits } from "./dtypes.ts";

describe("float encoders", () => {
  it("round-trip every finite and infinite binary16 value", () => {
    for (let h = 0; h < 65536; h++) {
      const v = f16BitsToNumber(h);
      if (Number.isNaN(v)) continue;
      // -0 and +0 keep their sign bit.
      expect(numberToF16Bits(v)).toBe(h);
    }
  });

  it("round binary16 to nearest, ties to even, and overflow to infinity", () => {
    expect(f16BitsToNumber(numberToF16Bits(1 + 2 ** -11))).toBe(1); // tie -> even (1.0)
    expect(f16BitsToNumber(numberToF16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie -> even
    expect(f16BitsToNumber(numberToF16Bits(1 + 1.1 * 2 ** -11))).toBe(1 + 2 ** -10);
    expect(f16BitsToNumber(numberToF16Bits(65520))).toBe(Infinity);
    expect(f16BitsToNumber(numberToF16Bits(65519))).toBe(65504);
    expect(f16BitsToNumber(numberToF16Bits(2 ** -25))).toBe(0); // tie -> even (0)
    expect(f16BitsToNumber(numberToF16Bits(3 * 2 ** -25))).toBe(2 ** -23);
    expect(Number.isNaN(f16BitsToNumber(numberToF16Bits(NaN)))).toBe(true);
  });

  it("round bfloat16 to nearest, ties to even", () => {
    expect(numberToBf16Bits(1)).toBe(0x3f80);
    expect(numberToBf16Bits(-2)).toBe(0xc000);
    expect(numberToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(numberToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie -> even
    expect(numberToBf16Bits(1 + 1.5 * 2 ** -8)).toBe(0x3f81);
  });
});
