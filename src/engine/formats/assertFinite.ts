import { FormatError } from "./formatError.ts";

/**
 * Throws a FormatError at the first NaN or infinity, e.g.
 * `acts.safetensors: tensor "x": NaN at row 12, column 3; expected finite values`.
 * `data` holds rows of `rowWidth` values, the first being row `rowOffset` of the tensor.
 */
export function assertFinite(
  data: Float32Array,
  file: string,
  tensor: string,
  rowOffset: number,
  rowWidth: number,
): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (Number.isFinite(v)) continue;
    const width = Math.max(1, rowWidth);
    const row = rowOffset + Math.floor(i / width);
    const column = i % width;
    throw new FormatError(
      file,
      `${String(v)} at row ${row}, column ${column}; expected finite values`,
      tensor,
    );
  }
}
