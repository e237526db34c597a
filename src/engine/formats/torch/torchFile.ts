/**
 * PyTorch files written by torch.save since 1.6: a zip holding `<archive>/data.pkl` (the
 * pickled object, storages as persistent ids) and `<archive>/data/<key>` (each storage's
 * raw little-endian bytes). The pickle is read by the restricted unpickler; tensors come
 * back as lazy TorchTensor views whose bytes are read on demand.
 */
import type { ByteSource } from "../byteSource.ts";
import { DTYPE_BYTES, type Dtype } from "../dtypes.ts";
import { FormatError, listNames } from "../formatError.ts";
import { elementCount, viewSpan } from "./elements.ts";
import { DEFAULT_UNPICKLE_LIMITS, unpickle, type UnpickleLimits } from "./pickle.ts";
import { describeValue, InertObject, PickleDict, type PickleValue } from "./pickleValue.ts";
import { TorchStorage, TorchTensor } from "./tensor.ts";
import { openZip, type ZipArchive, type ZipLimits } from "./zip.ts";

export {
  InertObject,
  isInertObject,
  isPickleDict,
  objectField,
  PickleDict,
  type PickleKey,
  type PickleValue,
} from "./pickleValue.ts";
export { TorchStorage, TorchTensor } from "./tensor.ts";
export type { UnpickleLimits } from "./pickle.ts";
export type { ZipLimits } from "./zip.ts";

export interface TorchFile {
  readonly name: string;
  /** The folder inside the zip: the saved file's stem (torch < 2) or "archive". */
  readonly archive: string;
  readonly root: PickleValue;
  /**
   * Every tensor reachable from the root by a dotted path of dict keys, list indices and
   * object attributes (`state_dict.W_enc`, `0.weight`), in pickle order; "" when the
   * root is a tensor. A tensor reachable twice in one container is listed under both paths.
   */
  tensors(): Map<string, TorchTensor>;
}

export interface TorchFileOptions {
  pickleLimits?: Partial<UnpickleLimits>;
  zipLimits?: Partial<ZipLimits>;
}

export function isTorchTensor(v: unknown): v is TorchTensor {
  return v instanceof TorchTensor;
}

/** `torch.FloatStorage` etc. (also under `torch.cuda.`), and `torch.UntypedStorage` as bytes. */
const STORAGE_DTYPES: Readonly<Record<string, Dtype>> = {
  FloatStorage: "F32",
  HalfStorage: "F16",
  BFloat16Storage: "BF16",
  DoubleStorage: "F64",
  LongStorage: "I64",
  IntStorage: "I32",
  ShortStorage: "I16",
  CharStorage: "I8",
  ByteStorage: "U8",
  BoolStorage: "BOOL",
  UntypedStorage: "U8",
};

/** `torch.float32` etc., which some writers put where the storage type goes. */
const DTYPE_GLOBALS: Readonly<Record<string, Dtype>> = {
  float32: "F32",
  float: "F32",
  float16: "F16",
  half: "F16",
  bfloat16: "BF16",
  float64: "F64",
  double: "F64",
  int64: "I64",
  long: "I64",
  int32: "I32",
  int: "I32",
  int16: "I16",
  short: "I16",
  int8: "I8",
  uint8: "U8",
  bool: "BOOL",
};

/** What torch.save wrote before 1.6: a pickled magic number 0x1950a86a20f9469cfc6c first. */
const LEGACY_MAGIC = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export async function openTorchFile(
  src: ByteSource,
  options: TorchFileOptions = {},
): Promise<TorchFile> {
  const file = src.name;
  await refuseNonZip(src);
  const zip = await openZip(src, options.zipLimits);
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new FormatError(
      file,
      pickles.length === 0
        ? `a zip archive without an <archive>/data.pkl entry, so not a torch.save file; ` +
            `it has ${listNames([...zip.entries.keys()])}`
        : `has ${pickles.length} data.pkl entries (${listNames(pickles)}); expected one`,
    );
  }
  const pkl = pickles[0] as string;
  const archive = pkl.slice(0, -"/data.pkl".length);
  await checkByteOrder(zip, archive);

  const limits = { ...DEFAULT_UNPICKLE_LIMITS, ...options.pickleLimits };
  const size = zip.entry(pkl)?.size ?? 0;
  if (size > limits.maxBytes) {
    throw new FormatError(
      file,
      `${pkl} is ${size} bytes, over the ${limits.maxBytes}-byte limit for a pickle`,
    );
  }
  const rebuilder = new Rebuilder(zip, archive, pkl);
  const root = unpickle(await zip.read(pkl), {
    file,
    entry: pkl,
    limits,
    persistentLoad: (pid) => rebuilder.storage(pid),
    callGlobal: (name, args) => rebuilder.call(name, args),
  });
  return { name: file, archive, root, tensors: () => listTensors(root) };
}

async function refuseNonZip(src: ByteSource): Promise<void> {
  const head = await src.read(0, Math.min(14, src.size));
  if (head[0] !== 0x80) return;
  if (head[2] === 0x8a && head[3] === 0x0a && LEGACY_MAGIC.every((b, i) => head[4 + i] === b)) {
    throw new FormatError(
      src.name,
      "is in the legacy PyTorch format (torch.save before 1.6, or " +
        "_use_new_zipfile_serialization=False), which this reader does not support; " +
        "re-save it with a current PyTorch (torch.save(torch.load(path), path)) " +
        "or convert it to safetensors",
    );
  }
  throw new FormatError(
    src.name,
    "is a bare pickle, not a torch.save zip archive; re-save it with torch.save or as safetensors",
  );
}

async function checkByteOrder(zip: ZipArchive, archive: string): Promise<void> {
  const name = `${archive}/byteorder`;
  if (zip.entry(name) === undefined) return;
  const order = new TextDecoder().decode(await zip.read(name)).trim();
  if (order === "little") return;
  throw new FormatError(
    zip.name,
    order === "big"
      ? `${name} says "big": big-endian torch files are not supported; re-save it on a ` +
          `little-endian machine`
      : `${name} says ${JSON.stringify(order.slice(0, 20))}; expected "little"`,
  );
}

/** Storages from persistent ids, and the torch rebuild functions the pickle calls. */
class Rebuilder {
  private readonly storages = new Map<string, TorchStorage>();

  constructor(
    private readonly zip: ZipArchive,
    private readonly archive: string,
    private readonly pkl: string,
  ) {}

  private fail(detail: string): never {
    throw new FormatError(this.zip.name, `${this.pkl}: ${detail}`);
  }

  /** A persistent id `('storage', storage type, key, location, numel)`. */
  storage(pid: PickleValue): TorchStorage {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== "storage") {
      this.fail(
        `persistent id is ${describeValue(pid)}; expected ('storage', type, key, location, numel)`,
      );
    }
    const [, type, key, location, numel] = pid;
    if (typeof key !== "string" || typeof location !== "string") {
      this.fail(`storage key and location must be strings, found ${describeValue(key)}`);
    }
    const dtype = this.storageDtype(type, key);
    if (typeof numel !== "number" || !Number.isSafeInteger(numel) || numel < 0) {
      this.fail(`storage "${key}": element count ${describeValue(numel)} is not a count`);
    }
    const entryName = `${this.archive}/data/${key}`;
    const entry = this.zip.entry(entryName);
    if (entry === undefined) this.fail(`storage "${key}" has no entry ${entryName} in the zip`);
    const bytes = numel * DTYPE_BYTES[dtype];
    if (bytes > entry.size) {
      this.fail(
        `storage "${key}" claims ${numel} ${dtype} elements (${bytes} bytes), but ` +
          `${entryName} holds ${entry.size} bytes`,
      );
    }
    const id = `${key}:${dtype}`;
    let storage = this.storages.get(id);
    if (storage === undefined) {
      storage = new TorchStorage(this.zip, key, entryName, dtype, numel, location);
      this.storages.set(id, storage);
    }
    return storage;
  }

  private storageDtype(type: PickleValue | undefined, key: string): Dtype {
    if (type instanceof InertObject && type.isGlobal) {
      const name = type.className.replace(/^torch\.(cuda\.|storage\.)?_?/, "");
      const dtype = type.className.startsWith("torch.")
        ? (STORAGE_DTYPES[name] ?? DTYPE_GLOBALS[name])
        : undefined;
      if (dtype !== undefined) return dtype;
    }
    return this.fail(
      `storage "${key}" has type ${describeValue(type)}; expected one of ` +
        Object.keys(STORAGE_DTYPES)
          .map((s) => `torch.${s}`)
          .join(", "),
    );
  }

  /** Interprets torch's rebuild functions; anything else stays an InertObject. */
  call(name: string, args: PickleValue[]): PickleValue | undefined {
    switch (name) {
      case "torch._utils._rebuild_tensor_v2":
      case "torch._utils._rebuild_tensor":
        return this.tensor(name, args);
      case "torch._utils._rebuild_parameter":
      case "torch._utils._rebuild_parameter_with_state": {
        const [t, requiresGrad] = args;
        if (!(t instanceof TorchTensor)) return undefined;
        return new TorchTensor(
          t.storage,
          t.shape,
          t.stride,
          t.storageOffset,
          requiresGrad === true,
        );
      }
      case "torch._tensor._rebuild_from_type_v2": {
        // (func, type, args, state): a tensor subclass or a tensor with Python attributes.
        const [func, , funcArgs] = args;
        if (!(func instanceof InertObject) || !func.isGlobal || !Array.isArray(funcArgs)) {
          return undefined;
        }
        const t = this.call(func.className, funcArgs);
        return t instanceof TorchTensor ? t : undefined;
      }
      default:
        return undefined;
    }
  }

  private tensor(name: string, args: PickleValue[]): TorchTensor {
    const [storage, offset, shape, stride, requiresGrad] = args;
    const fail = (detail: string): never => this.fail(`${name}: ${detail}`);
    if (!(storage instanceof TorchStorage)) {
      return fail(`expected a storage as the first argument, found ${describeValue(storage)}`);
    }
    if (!isCount(offset)) return fail(`storage offset ${describeValue(offset)} is not a count`);
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      return fail(`size ${describeValue(shape)} is not a tuple of counts`);
    }
    if (!Array.isArray(stride) || !stride.every(isCount) || stride.length !== shape.length) {
      return fail(
        `stride ${describeValue(stride)} is not ${shape.length} counts, one per dimension`,
      );
    }
    const layout = { shape, stride, offset };
    const { end } = viewSpan(layout);
    if (!Number.isSafeInteger(elementCount(shape)) || !Number.isSafeInteger(end)) {
      return fail(`shape [${shape.join(", ")}] with stride [${stride.join(", ")}] is too large`);
    }
    if (end > storage.numel) {
      return fail(
        `a tensor of shape [${shape.join(", ")}], stride [${stride.join(", ")}] at offset ` +
          `${offset} needs ${end} elements of storage "${storage.key}", which has ${storage.numel}`,
      );
    }
    return new TorchTensor(storage, shape, stride, offset, requiresGrad === true);
  }
}

function isCount(v: PickleValue | undefined): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function listTensors(root: PickleValue): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  const seen = new Set<object>();
  const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);
  // The unpickler has bounded the nesting and refused cycles, so this recursion is bounded.
  const walk = (v: PickleValue | undefined, path: string): void => {
    if (v === null || v === undefined || typeof v !== "object") return;
    if (v instanceof TorchTensor) {
      if (!out.has(path)) out.set(path, v);
      return;
    }
    if (seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, join(path, String(i))));
    } else if (v instanceof PickleDict) {
      for (const [k, x] of v) walk(x, join(path, String(k)));
    } else if (v instanceof InertObject) {
      v.args?.forEach((x, i) => walk(x, join(path, `args.${i}`)));
      walk(v.state, v.state instanceof PickleDict ? path : join(path, "state"));
      walk(v.entries, path);
      v.items?.forEach((x, i) => walk(x, join(path, String(i))));
    }
  };
  walk(root, "");
  return out;
}
