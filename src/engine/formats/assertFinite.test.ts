import { describe, expect, it } from "vitest";
import { assertFinite } from "./assertFinite.ts";
import { FormatError } from "./formatError.ts";

describe("assertFinite", () => {
  it("names the row and column of the first NaN", () => {
    const data = new Float32Array(16).fill(1);
    data[2 * 4 + 3] = NaN;
    data[15] = Infinity;
    expect(() => assertFinite(data, "acts.safetensors", "x", 10, 4)).toThrow(
      new FormatError("acts.safetensors", "NaN at row 12, column 3; expected finite values", "x"),
    );
    expect(() => assertFinite(data, "acts.safetensors", "x", 10, 4)).toThrow(
      'acts.safetensors: tensor "x": NaN at row 12, column 3; expected finite values',
    );
  });

  it("reports infinities and accepts finite data", () => {
    const data = new Float32Array([0, -3.4e38, -Infinity]);
    expect(() => assertFinite(data, "f", "b_dec", 0, 3)).toThrow(
      'f: tensor "b_dec": -Infinity at row 0, column 2; expected finite values',
    );
    expect(() => assertFinite(data.subarray(0, 2), "f", "b_dec", 0, 3)).not.toThrow();
  });
});
