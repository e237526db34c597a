/**
 * The tensors of one weights file, whatever its container (safetensors, a torch pickle, an
 * npz): names, shapes and dtypes up front, values read one tensor at a time.
 */
import { FormatError, listNames } from "./formatError.ts";
import type { NpzFile } from "./npz.ts";
import type { SafetensorsFile } from "./safetensors.ts";
import type { TorchFile, TorchTensor } from "./torch/torchFile.ts";

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

/** The tensors of a torch file under `prefix` (e.g. "state_dict."), by their names below it. */
export function torchStore(file: TorchFile, prefix = ""): TensorStore {
  const found = new Map<string, TorchTensor>();
  for (const [path, t] of file.tensors()) {
    if (path.startsWith(prefix)) found.set(path.slice(prefix.length), t);
  }
  return {
    file: file.name,
    tensors: new Map([...found].map(([n, t]) => [n, { shape: t.shape, dtype: t.dtype }])),
    readF32: (name) => {
      const t = found.get(name);
      if (!t) throw new FormatError(file.name, `missing tensor ${JSON.stringify(prefix + name)}`);
      return t.readF32();
    },
  };
}

export function npzStore(file: NpzFile): TensorStore {
  return {
    file: file.name,
    tensors: new Map([...file.arrays].map(([n, a]) => [n, { shape: a.shape, dtype: a.dtype }])),
    readF32: (name) => file.readF32(name),
  };
}
