/** What the restricted unpickler produces: plain data, tensors, and inert records. */
import type { TorchStorage, TorchTensor } from "./tensor.ts";

/** Dict keys the reader keeps; other keys (tuples, objects) are refused. */
export type PickleKey = string | number | bigint | boolean | null;

/**
 * A value read from a pickle. Python ints are numbers (bigint past ±2^53), floats numbers;
 * lists, tuples and protocol-4 sets are arrays; bytes are a Uint8Array; None is null.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleDict
  | TorchTensor
  | TorchStorage
  | InertObject;

/** A Python dict or OrderedDict, in insertion order. */
export class PickleDict extends Map<PickleKey, PickleValue> {
  /** Attributes set by BUILD, e.g. the `_metadata` of a torch state_dict. */
  state: PickleValue | undefined = undefined;
}

/**
 * A Python object the reader does not interpret, kept as data and never called: a class or
 * function named by a global (`args` null: `torch.float32`), or a call of one (REDUCE,
 * NEWOBJ) with its arguments and what BUILD, SETITEMS and APPENDS gave it.
 */
export class InertObject {
  readonly kind = "object";
  /** From BUILD: usually a dict of attributes; `[dict | null, slots dict]` for __slots__. */
  state: PickleValue | undefined = undefined;
  /** From SETITEM(S) on a dict subclass. */
  entries: PickleDict | undefined = undefined;
  /** From APPEND(S) or ADDITEMS on a list or set subclass. */
  items: PickleValue[] | undefined = undefined;

  constructor(
    /** `module.Name`, e.g. `sae_training.config.LanguageModelSAERunnerConfig`. */
    readonly className: string,
    readonly args: readonly PickleValue[] | null,
    /** Keyword arguments of NEWOBJ_EX. */
    readonly kwargs?: PickleDict,
  ) {}

  /** A bare global: the class or function itself, not a call of it. */
  get isGlobal(): boolean {
    return this.args === null;
  }
}

export function isInertObject(v: unknown): v is InertObject {
  return v instanceof InertObject;
}

export function isPickleDict(v: unknown): v is PickleDict {
  return v instanceof PickleDict;
}

/**
 * An attribute of an inert object: from its BUILD state (a dict, or the two dicts of
 * __slots__ state), its dict items, or its arguments when they are a single dict.
 */
export function objectField(obj: InertObject, name: string): PickleValue | undefined {
  const dicts: PickleDict[] = [];
  const { state, entries, args } = obj;
  if (state instanceof PickleDict) dicts.push(state);
  if (Array.isArray(state)) dicts.push(...state.filter(isPickleDict));
  if (entries !== undefined) dicts.push(entries);
  if (args?.length === 1 && args[0] instanceof PickleDict) dicts.push(args[0]);
  for (const d of dicts) if (d.has(name)) return d.get(name);
  return undefined;
}

/** The values directly inside a container (dict keys are never containers). */
export function childValues(v: PickleValue): readonly PickleValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PickleDict) {
    const out = [...v.values()];
    if (v.state !== undefined) out.push(v.state);
    return out;
  }
  if (v instanceof InertObject) {
    const out: PickleValue[] = [...(v.args ?? [])];
    if (v.kwargs) out.push(v.kwargs);
    if (v.state !== undefined) out.push(v.state);
    if (v.entries) out.push(v.entries);
    if (v.items) out.push(...v.items);
    return out;
  }
  return [];
}

/** A short description for error messages: "a list", "torch.device(...)", "the string \"x\"". */
export function describeValue(v: PickleValue | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "None";
  if (typeof v === "string") {
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  }
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") {
    return `the ${typeof v === "boolean" ? "bool" : "number"} ${String(v)}`;
  }
  if (v instanceof Uint8Array) return `bytes (${v.length})`;
  if (Array.isArray(v)) return `a list or tuple of ${v.length}`;
  if (v instanceof PickleDict) return `a dict of ${v.size}`;
  if (v instanceof InertObject)
    return v.isGlobal ? `the global ${v.className}` : `${v.className}(...)`;
  return `a torch ${v.kind}`;
}
