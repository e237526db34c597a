/**
 * The tensors of one weights file, whatever its container (safetensors, a torch pickle, an
 * npz): names, shapes and dtypes up front, values read one tensor at a time.
 */
import { FormatError, listNames } from "./formatError.ts";
import type { SafetensorsFile } from "./safetensors.ts";

export interface StoredTensor {
  shape: readonly number[];
  dtype: string;
}

export interface TensorStore {
  /** The file's name, for messages. */
  readonly file: string;
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  /** Row-major f32 values of a float tensor. */
  readF32(name: string): Promise<Float32Array<ArrayBuffer>>;
}

export function safetensorsStore(f: SafetensorsFile): TensorStore {
  return {
    file: f.name,
    tensors: new Map([...f.tensors].map(([n, t]) => [n, { shape: t.shape, dtype: t.dtype }])),
    readF32: (name) => f.readF32(name),
  };
}

export function tensorShape(store: TensorStore, name: string): readonly number[] {
  const t = store.tensors.get(name);
  if (t === undefined) {
    throw new FormatError(
      store.file,
      `missing tensor ${JSON.stringify(name)}; the file has ${listNames([...store.tensors.keys()])}`,
    );
  }
  return t.shape;
}

/** The first of `names` the store has, or undefined. */
export function firstPresent(store: TensorStore, names: readonly string[]): string | undefined {
  return names.find((n) => store.tensors.has(n));
}
