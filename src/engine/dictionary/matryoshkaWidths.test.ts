import { describe, expect, it } from "vitest";
import {
  defaultMatryoshkaWidths,
  matryoshkaWidthsProblem,
  parseMatryoshkaWidths,
  resolveMatryoshkaWidths,
} from "./matryoshkaWidths.ts";

describe("Matryoshka widths", () => {
  it("defaults to d_sae/8, /4, /2, d_sae, without zeros or repeats", () => {
    expect(defaultMatryoshkaWidths(512)).toEqual([64, 128, 256, 512]);
    expect(defaultMatryoshkaWidths(48)).toEqual([6, 12, 24, 48]);
    expect(defaultMatryoshkaWidths(100)).toEqual([12, 25, 50, 100]);
    expect(defaultMatryoshkaWidths(6)).toEqual([1, 3, 6]);
    expect(defaultMatryoshkaWidths(1)).toEqual([1]);
    for (const d of [1, 2, 3, 5, 7, 37, 4096]) {
      expect(matryoshkaWidthsProblem(defaultMatryoshkaWidths(d), d)).toBeUndefined();
    }
  });

  it("says what is wrong with widths that cannot train", () => {
    expect(matryoshkaWidthsProblem([], 8)).toBe("matryoshka_widths is empty");
    expect(matryoshkaWidthsProblem([2, 2, 8], 8)).toBe(
      "matryoshka_widths must be strictly increasing (2 then 2)",
    );
    expect(matryoshkaWidthsProblem([0, 8], 8)).toBe(
      "matryoshka_widths[0] = 0: every width must be a positive integer",
    );
    expect(matryoshkaWidthsProblem([2.5, 8], 8)).toBe(
      "matryoshka_widths[0] = 2.5: every width must be a positive integer",
    );
    expect(matryoshkaWidthsProblem([2, 4], 8)).toBe(
      "the last of matryoshka_widths must be d_sae (8), got 4",
    );
    expect(matryoshkaWidthsProblem([2, 4, 8], 8)).toBeUndefined();
  });

  it("resolves an empty list to the default and refuses a bad one", () => {
    expect(resolveMatryoshkaWidths([], 64)).toEqual([8, 16, 32, 64]);
    expect(resolveMatryoshkaWidths([5, 64], 64)).toEqual([5, 64]);
    expect(() => resolveMatryoshkaWidths([5, 32], 64)).toThrow("must be d_sae (64), got 32");
  });

  it("parses a comma list and names the item that is not a positive integer", () => {
    expect(parseMatryoshkaWidths("64, 128,256,512")).toEqual([64, 128, 256, 512]);
    expect(() => parseMatryoshkaWidths("64,,512")).toThrow(
      'matryoshka widths "64,,512": item 2 ("") is not a positive integer',
    );
    expect(() => parseMatryoshkaWidths("64,-1")).toThrow('item 2 ("-1")');
  });
});
