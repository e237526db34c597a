import { describe, expect, it } from "vitest";
import { cellAt, heatmapPixels, plotRect } from "./heatmapGrid.ts";
import { rdbu } from "./rdbu.ts";

describe("the heatmap's pixels and hit-testing", () => {
  // 2 latents × 3 features: row 0 = [1, 0, −1], row 1 = [0.2, 0.2, NaN].
  const values = Float32Array.from([1, 0, -1, 0.2, 0.2, NaN]);
  const shape = { rows: 2, cols: 3 };

  it("draws the first row at the bottom, feature 0 on the left, one opaque pixel a cell", () => {
    const px = heatmapPixels(values, shape);
    expect(px).toHaveLength(2 * 3 * 4);
    const at = (imageRow: number, col: number) => [
      ...px.slice((imageRow * 3 + col) * 4, (imageRow * 3 + col) * 4 + 4),
    ];
    expect(at(1, 0)).toEqual([...rdbu(1), 255]);
    expect(at(1, 2)).toEqual([...rdbu(-1), 255]);
    expect(at(0, 1)).toEqual([...rdbu(0.2), 255]);
    expect(at(0, 2)).toEqual([128, 128, 128, 255]);
  });

  it("names the matrix when its size is wrong", () => {
    expect(() => heatmapPixels(values, { rows: 3, cols: 3 })).toThrow(
      "heatmap: 6 values, expected 3 x 3",
    );
  });

  it("maps a point to the cell under it, with row 0 at the bottom, and nothing outside", () => {
    const rect = { left: 10, top: 0, width: 30, height: 20 };
    expect(cellAt(rect, shape, 10, 19.9)).toEqual({ row: 0, col: 0 });
    expect(cellAt(rect, shape, 39.9, 0)).toEqual({ row: 1, col: 2 });
    expect(cellAt(rect, shape, 25, 9)).toEqual({ row: 1, col: 1 });
    expect(cellAt(rect, shape, 9, 5)).toBeUndefined();
    expect(cellAt(rect, shape, 40, 5)).toBeUndefined();
    expect(cellAt(rect, shape, 20, 20)).toBeUndefined();
  });

  it("keeps a plot area of at least a pixel inside a tiny canvas", () => {
    const rect = plotRect(20, 10);
    expect(rect.width).toBe(1);
    expect(rect.height).toBe(1);
    expect(plotRect(300, 150)).toEqual({ left: 34, top: 4, width: 262, height: 120 });
  });
});
