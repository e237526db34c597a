/**
 * A heatmap's pixels and hit-testing, drawn as Plotly draws plot_sae_feature_similarity: one cell
 * per (latent, feature), the first row (latent order 0) at the bottom, feature 0 on the left, so
 * a dictionary that recovered the features draws a diagonal rising to the right.
 */
import { rdbu } from "./rdbu.ts";

export interface GridShape {
  rows: number;
  cols: number;
}

/** The plot area inside the canvas, in CSS pixels. */
export interface PlotRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * RGBA, one pixel per cell, image rows top to bottom: values [rows, cols] row-major, its row r
 * on image row rows − 1 − r.
 */
export function heatmapPixels(
  values: ArrayLike<number>,
  shape: GridShape,
): Uint8ClampedArray<ArrayBuffer> {
  const { rows, cols } = shape;
  if (values.length !== rows * cols) {
    throw new Error(`heatmap: ${values.length} values, expected ${rows} x ${cols}`);
  }
  const out = new Uint8ClampedArray(rows * cols * 4);
  for (let r = 0; r < rows; r++) {
    const imageRow = rows - 1 - r;
    for (let c = 0; c < cols; c++) {
      const [red, green, blue] = rdbu(values[r * cols + c]!);
      const at = (imageRow * cols + c) * 4;
      out[at] = red;
      out[at + 1] = green;
      out[at + 2] = blue;
      out[at + 3] = 255;
    }
  }
  return out;
}

/** The cell under a point of the canvas (CSS pixels), or undefined outside the plot. */
export function cellAt(
  rect: PlotRect,
  shape: GridShape,
  x: number,
  y: number,
): { row: number; col: number } | undefined {
  const u = (x - rect.left) / rect.width;
  const v = (y - rect.top) / rect.height;
  if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) return undefined;
  return {
    col: Math.floor(u * shape.cols),
    row: shape.rows - 1 - Math.floor(v * shape.rows),
  };
}

/** The plot area of a canvas: margins for the y title and ticks (left) and x ticks and title (below). */
export function plotRect(width: number, height: number): PlotRect {
  const left = 34;
  const top = 4;
  const bottom = 26;
  const right = 4;
  return {
    left,
    top,
    width: Math.max(1, width - left - right),
    height: Math.max(1, height - top - bottom),
  };
}
