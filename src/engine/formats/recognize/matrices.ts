/** Reading weight matrices whose stored orientation differs between formats. */
import { FormatError } from "../formatError.ts";
import { transpose } from "../../model/gpt2Weights.ts";
import { assertFinite } from "../assertFinite.ts";
import { tensorShape, type TensorStore } from "../tensorStore.ts";

type F32 = Float32Array<ArrayBuffer>;

/**
 * Tensor `name` as a row-major [rows, cols] matrix. It may be stored [rows, cols] or
 * transposed [cols, rows]; when both fit (a square matrix) `squareStored` says which the
 * format's convention is.
 */
export async function readOriented(
  store: TensorStore,
  name: string,
  rows: number,
  cols: number,
  dims: string,
  squareStored: "as-is" | "transposed",
): Promise<F32> {
  const shape = tensorShape(store, name);
  const asIs = shape.length === 2 && shape[0] === rows && shape[1] === cols;
  const flipped = shape.length === 2 && shape[0] === cols && shape[1] === rows;
  if (!asIs && !flipped) {
    throw new FormatError(
      store.file,
      `expected shape ${dims} = [${rows}, ${cols}] or its transpose, found [${shape.join(", ")}]`,
      name,
    );
  }
  const data = await store.readF32(name);
  const transposed = asIs && flipped ? squareStored === "transposed" : flipped;
  const out = transposed ? (transpose(data, cols, rows) as F32) : data;
  assertFinite(out, store.file, name, 0, cols);
  return out;
}

/** A vector of exactly `length` values (a [1, n] or [n, 1] tensor is accepted as [n]). */
export async function readVector(
  store: TensorStore,
  name: string,
  length: number,
  dims: string,
): Promise<F32> {
  const shape = tensorShape(store, name);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== length || shape.filter((d) => d !== 1).length > 1) {
    throw new FormatError(
      store.file,
      `expected shape ${dims} = [${length}], found [${shape.join(", ")}]`,
      name,
    );
  }
  const data = await store.readF32(name);
  assertFinite(data, store.file, name, 0, 1);
  return data;
}

/** A scalar (any shape holding one value). */
export async function readScalar(store: TensorStore, name: string): Promise<number> {
  const shape = tensorShape(store, name);
  if (shape.reduce((a, b) => a * b, 1) !== 1) {
    throw new FormatError(
      store.file,
      `expected one value, found shape [${shape.join(", ")}]`,
      name,
    );
  }
  const [v] = await store.readF32(name);
  if (!Number.isFinite(v))
    throw new FormatError(store.file, `is ${v}; expected a finite value`, name);
  return v!;
}

/** The length of a 1-d tensor, or undefined when it is not one. */
export function vectorLength(store: TensorStore, name: string): number | undefined {
  const t = store.tensors.get(name);
  if (t === undefined) return undefined;
  const big = t.shape.filter((d) => d !== 1);
  return big.length <= 1 ? t.shape.reduce((a, b) => a * b, 1) : undefined;
}

/** The float dtypes the weights are stored in (integer buffers such as counters left out). */
export function storeDtypes(store: TensorStore): string {
  const all = [...new Set([...store.tensors.values()].map((t) => t.dtype))];
  const floats = all.filter((d) => /^(F|BF)\d+$/.test(d));
  return (floats.length > 0 ? floats : all).join("/");
}
