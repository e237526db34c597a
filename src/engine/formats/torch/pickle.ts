/**
 * A restricted unpickler: it reads Python pickles (protocols 1-5, the binary opcodes) as
 * data and never runs anything. A global becomes an InertObject; calling one (REDUCE,
 * NEWOBJ) gives another InertObject holding the arguments, except for the few pure-data
 * constructors interpreted here (OrderedDict, bytes) and those the caller's `callGlobal`
 * interprets (torch's tensor rebuilds). Sizes, counts and nesting are bounded.
 */
import { FormatError } from "../formatError.ts";
import {
  childValues,
  describeValue,
  InertObject,
  PickleDict,
  type PickleKey,
  type PickleValue,
} from "./pickleValue.ts";

export interface UnpickleLimits {
  maxBytes: number;
  /** Containers inside containers, counted from the result. */
  maxDepth: number;
  maxContainerLength: number;
  /** Values pushed, marks and memo entries, all together. */
  maxValues: number;
}

export const DEFAULT_UNPICKLE_LIMITS: Readonly<UnpickleLimits> = {
  maxBytes: 64 * 2 ** 20,
  maxDepth: 100,
  maxContainerLength: 10_000_000,
  maxValues: 10_000_000,
};

export interface UnpickleOptions {
  /** For error messages: the file, and the pickle's entry inside it. */
  file: string;
  entry?: string;
  limits?: Partial<UnpickleLimits>;
  /** Turns a persistent id (BINPERSID) into a value; without it they are refused. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Interprets a call of a global; undefined leaves it an InertObject. */
  callGlobal?: (className: string, args: PickleValue[]) => PickleValue | undefined;
}

/** Python 2 module names that protocols < 3 write for Python 3 ones. */
const PY2_MODULES: Readonly<Record<string, string>> = {
  __builtin__: "builtins",
  copy_reg: "copyreg",
};

/** The opcodes this reader interprets (Python's Lib/pickle.py names). */
const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e,
  MARK: 0x28,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  INT: 0x49,
  LONG: 0x4c,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  LONG4: 0x8b,
  BINFLOAT: 0x47,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  BINBYTES8: 0x8e,
  BYTEARRAY8: 0x96,
  EMPTY_TUPLE: 0x29,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  TUPLE: 0x74,
  EMPTY_LIST: 0x5d,
  LIST: 0x6c,
  APPEND: 0x61,
  APPENDS: 0x65,
  EMPTY_DICT: 0x7d,
  DICT: 0x64,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  GLOBAL: 0x63,
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52,
  NEWOBJ: 0x81,
  NEWOBJ_EX: 0x92,
  BUILD: 0x62,
  BINPERSID: 0x51,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
} as const;

const UNSUPPORTED: Readonly<Record<number, string>> = {
  0x46: "FLOAT (protocol 0 text)",
  0x53: "STRING (protocol 0 text)",
  0x56: "UNICODE (protocol 0 text)",
  0x67: "GET (protocol 0 text)",
  0x70: "PUT (protocol 0 text)",
  0x50: "PERSID (protocol 0 text)",
  0x69: "INST (old-style class)",
  0x6f: "OBJ (old-style class)",
  0x82: "EXT1 (extension registry)",
  0x83: "EXT2 (extension registry)",
  0x84: "EXT4 (extension registry)",
  0x97: "NEXT_BUFFER (out-of-band buffer)",
  0x98: "READONLY_BUFFER (out-of-band buffer)",
};

const MAX_GLOBAL_NAME = 512;
const MAX_LONG_BYTES = 4096;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const DECIMAL = /^[+-]?[0-9]+$/;

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  return new Unpickler(bytes, options).run();
}

class Unpickler {
  private readonly limits: UnpickleLimits;
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder();
  private pos = 0;
  private opStart = 0;
  private readonly stack: PickleValue[] = [];
  /** Stack lengths at each open MARK. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private values = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.limits = { ...DEFAULT_UNPICKLE_LIMITS, ...options.limits };
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length > this.limits.maxBytes) {
      this.fail(`pickle of ${bytes.length} bytes exceeds the ${this.limits.maxBytes}-byte limit`);
    }
  }

  private fail(detail: string): never {
    const where = this.options.entry === undefined ? "pickle" : this.options.entry;
    throw new FormatError(this.options.file, `${where}: at byte ${this.opStart}: ${detail}`);
  }

  run(): PickleValue {
    for (;;) {
      if (this.pos >= this.bytes.length) {
        this.opStart = this.pos;
        this.fail("the pickle ends without a STOP opcode; it is truncated");
      }
      this.opStart = this.pos;
      const op = this.u8();
      if (op === OP.STOP) {
        const result = this.pop("STOP");
        checkDepth(result, this.limits.maxDepth, (d) => this.fail(d));
        return result;
      }
      this.step(op);
    }
  }

  private step(op: number): void {
    switch (op) {
      case OP.PROTO: {
        const protocol = this.u8();
        if (protocol > 5) this.fail(`pickle protocol ${protocol} is newer than 5`);
        return;
      }
      case OP.FRAME: {
        // A length prefix for buffering; the opcodes inside are read as usual.
        const n = this.u64();
        if (this.pos + n > this.bytes.length) this.truncated(`a FRAME of ${n} bytes`);
        return;
      }
      case OP.MARK:
        this.count();
        this.marks.push(this.stack.length);
        return;
      case OP.POP:
        if (this.stack.length > this.markBase()) this.stack.pop();
        else this.popMark("POP");
        return;
      case OP.POP_MARK:
        this.popMark("POP_MARK");
        return;
      case OP.DUP:
        return this.push(this.top("DUP"));
      case OP.NONE:
        return this.push(null);
      case OP.NEWTRUE:
        return this.push(true);
      case OP.NEWFALSE:
        return this.push(false);
      case OP.INT:
        return this.push(this.intLine("INT"));
      case OP.LONG:
        return this.push(this.intLine("LONG"));
      case OP.BININT:
        return this.push(this.view.getInt32(this.need(4, "BININT"), true));
      case OP.BININT1:
        return this.push(this.u8());
      case OP.BININT2:
        return this.push(this.view.getUint16(this.need(2, "BININT2"), true));
      case OP.LONG1:
        return this.push(this.long(this.u8()));
      case OP.LONG4:
        return this.push(this.long(this.view.getInt32(this.need(4, "LONG4"), true)));
      case OP.BINFLOAT: // big-endian
        return this.push(this.view.getFloat64(this.need(8, "BINFLOAT"), false));
      case OP.BINUNICODE:
        return this.push(this.string(this.u32()));
      case OP.SHORT_BINUNICODE:
        return this.push(this.string(this.u8()));
      case OP.BINUNICODE8:
        return this.push(this.string(this.u64()));
      case OP.BINSTRING: // a Python 2 str, decoded as UTF-8 as torch.load does
        return this.push(this.string(this.view.getInt32(this.need(4, "BINSTRING"), true)));
      case OP.SHORT_BINSTRING:
        return this.push(this.string(this.u8()));
      case OP.BINBYTES:
        return this.push(this.take(this.u32(), "BINBYTES").slice());
      case OP.SHORT_BINBYTES:
        return this.push(this.take(this.u8(), "SHORT_BINBYTES").slice());
      case OP.BINBYTES8:
        return this.push(this.take(this.u64(), "BINBYTES8").slice());
      case OP.BYTEARRAY8:
        return this.push(this.take(this.u64(), "BYTEARRAY8").slice());
      case OP.EMPTY_TUPLE:
      case OP.EMPTY_LIST:
      case OP.EMPTY_SET:
        return this.push([]);
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        const items = this.stack.length - n >= this.markBase() ? this.stack.splice(-n) : null;
        return this.push(items ?? this.underflow("TUPLE" + n));
      }
      case OP.TUPLE:
      case OP.LIST:
      case OP.FROZENSET: {
        const items = this.popMark("TUPLE");
        this.checkLength(items.length);
        return this.push(items);
      }
      case OP.EMPTY_DICT:
        return this.push(new PickleDict());
      case OP.DICT: {
        const d = new PickleDict();
        this.setItems(d, this.popMark("DICT"));
        return this.push(d);
      }
      case OP.APPEND: {
        const v = this.pop("APPEND");
        return this.appendItems(this.top("APPEND"), [v]);
      }
      case OP.APPENDS:
      case OP.ADDITEMS: {
        const items = this.popMark("APPENDS");
        return this.appendItems(this.top("APPENDS"), items);
      }
      case OP.SETITEM: {
        const v = this.pop("SETITEM");
        const k = this.pop("SETITEM");
        return this.setItems(this.top("SETITEM"), [k, v]);
      }
      case OP.SETITEMS: {
        const items = this.popMark("SETITEMS");
        return this.setItems(this.top("SETITEMS"), items);
      }
      case OP.GLOBAL: {
        const module = this.line("GLOBAL");
        return this.push(this.global(module, this.line("GLOBAL")));
      }
      case OP.STACK_GLOBAL: {
        const name = this.pop("STACK_GLOBAL");
        const module = this.pop("STACK_GLOBAL");
        if (typeof module !== "string" || typeof name !== "string") {
          this.fail(
            `STACK_GLOBAL needs two strings, found ${describeValue(module)} and ${describeValue(name)}`,
          );
        }
        return this.push(this.global(module, name));
      }
      case OP.REDUCE: {
        const args = this.pop("REDUCE");
        return this.push(this.call(this.pop("REDUCE"), args, "REDUCE"));
      }
      case OP.NEWOBJ: {
        const args = this.pop("NEWOBJ");
        return this.push(this.call(this.pop("NEWOBJ"), args, "NEWOBJ"));
      }
      case OP.NEWOBJ_EX: {
        const kwargs = this.pop("NEWOBJ_EX");
        const args = this.pop("NEWOBJ_EX");
        if (!(kwargs instanceof PickleDict)) {
          this.fail(`NEWOBJ_EX keyword arguments must be a dict, found ${describeValue(kwargs)}`);
        }
        return this.push(this.call(this.pop("NEWOBJ_EX"), args, "NEWOBJ_EX", kwargs));
      }
      case OP.BUILD: {
        const state = this.pop("BUILD");
        return this.build(this.top("BUILD"), state);
      }
      case OP.BINPERSID: {
        const pid = this.pop("BINPERSID");
        if (this.options.persistentLoad === undefined) {
          this.fail("persistent id (BINPERSID) in a pickle that is not inside a torch file");
        }
        return this.push(this.options.persistentLoad(pid));
      }
      case OP.BINGET:
        return this.push(this.memoGet(this.u8()));
      case OP.LONG_BINGET:
        return this.push(this.memoGet(this.u32()));
      case OP.BINPUT:
        return this.memoPut(this.u8());
      case OP.LONG_BINPUT:
        return this.memoPut(this.u32());
      case OP.MEMOIZE:
        return this.memoPut(this.memo.size);
      default: {
        const hex = "0x" + op.toString(16).padStart(2, "0");
        const name = UNSUPPORTED[op];
        if (name !== undefined) this.fail(`opcode ${hex} ${name} is not supported`);
        this.fail(`unknown opcode ${hex}; this is not a pickle, or a corrupt one`);
      }
    }
  }

  private truncated(what: string): never {
    return this.fail(
      `${what} runs past the end of the ${this.bytes.length}-byte pickle; it is truncated`,
    );
  }

  /** Position of `n` bytes to read, after which the cursor moves past them. */
  private need(n: number, what: string): number {
    if (this.pos + n > this.bytes.length) this.truncated(what);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.need(1, "the opcode's argument")] as number;
  }

  private u32(): number {
    return this.view.getUint32(this.need(4, "a 4-byte length"), true);
  }

  private u64(): number {
    const n = this.view.getBigUint64(this.need(8, "an 8-byte length"), true);
    return n > BigInt(this.bytes.length) ? this.truncated(`a length of ${n} bytes`) : Number(n);
  }

  private take(n: number, what: string): Uint8Array {
    if (n < 0) this.fail(`${what} has a negative length ${n}`);
    const at = this.need(n, `${what} of ${n} bytes`);
    return this.bytes.subarray(at, at + n);
  }

  private string(n: number): string {
    return this.utf8.decode(this.take(n, "a string"));
  }

  private line(what: string): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.truncated(what);
    if (end - this.pos > MAX_GLOBAL_NAME) {
      this.fail(`${what} argument is longer than ${MAX_GLOBAL_NAME} bytes`);
    }
    const text = this.utf8.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private intLine(what: "INT" | "LONG"): number | bigint | boolean {
    const text = this.line(what);
    if (what === "INT" && text === "00") return false;
    if (what === "INT" && text === "01") return true;
    const digits = what === "LONG" ? text.replace(/L$/, "") : text;
    if (!DECIMAL.test(digits))
      this.fail(`${what} expects a decimal integer, found ${JSON.stringify(text)}`);
    return intValue(BigInt(digits));
  }

  /** A little-endian two's complement integer of `n` bytes (LONG1, LONG4). */
  private long(n: number): number | bigint {
    if (n < 0 || n > MAX_LONG_BYTES) {
      this.fail(`integer of ${n} bytes; expected at most ${MAX_LONG_BYTES}`);
    }
    const b = this.take(n, "an integer");
    if (n === 0) return 0;
    let hex = "";
    for (let i = n - 1; i >= 0; i--) hex += (b[i] as number).toString(16).padStart(2, "0");
    let v = BigInt("0x" + hex);
    if ((b[n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
    return intValue(v);
  }

  private count(): void {
    if (++this.values > this.limits.maxValues) {
      this.fail(`more than ${this.limits.maxValues} values; the pickle is too large`);
    }
  }

  private push(v: PickleValue): void {
    this.count();
    this.stack.push(v);
  }

  private markBase(): number {
    return this.marks.at(-1) ?? 0;
  }

  private underflow(what: string): never {
    return this.fail(`${what} needs more values than the stack holds; the pickle is corrupt`);
  }

  private pop(what: string): PickleValue {
    if (this.stack.length <= this.markBase()) this.underflow(what);
    return this.stack.pop() as PickleValue;
  }

  private top(what: string): PickleValue {
    if (this.stack.length <= this.markBase()) this.underflow(what);
    return this.stack[this.stack.length - 1] as PickleValue;
  }

  private popMark(what: string): PickleValue[] {
    const base = this.marks.pop();
    if (base === undefined) this.fail(`${what} without a MARK; the pickle is corrupt`);
    return this.stack.splice(base);
  }

  private checkLength(n: number): void {
    if (n > this.limits.maxContainerLength) {
      this.fail(`container of ${n} items exceeds the limit of ${this.limits.maxContainerLength}`);
    }
  }

  private memoGet(key: number): PickleValue {
    const v = this.memo.get(key);
    if (v === undefined) this.fail(`memo key ${key} was never stored; the pickle is corrupt`);
    return v;
  }

  private memoPut(key: number): void {
    this.count();
    this.memo.set(key, this.top("PUT"));
  }

  private appendItems(target: PickleValue, items: PickleValue[]): void {
    let list: PickleValue[];
    if (Array.isArray(target)) list = target;
    else if (target instanceof InertObject && !target.isGlobal) list = target.items ??= [];
    else return this.fail(`APPEND to ${describeValue(target)}; expected a list`);
    this.checkLength(list.length + items.length);
    for (const v of items) list.push(v);
  }

  private setItems(target: PickleValue, flat: PickleValue[]): void {
    let dict: PickleDict;
    if (target instanceof PickleDict) dict = target;
    else if (target instanceof InertObject && !target.isGlobal)
      dict = target.entries ??= new PickleDict();
    else return this.fail(`SETITEMS on ${describeValue(target)}; expected a dict`);
    if (flat.length % 2 !== 0) this.fail(`SETITEMS with an odd number (${flat.length}) of values`);
    this.checkLength(dict.size + flat.length / 2);
    for (let i = 0; i < flat.length; i += 2) {
      const key = flat[i] as PickleValue;
      if (!isKey(key)) {
        this.fail(`dict key (${describeValue(key)}) is not supported; expected a string or number`);
      }
      dict.set(key, flat[i + 1] as PickleValue);
    }
  }

  private global(module: string, name: string): InertObject {
    if (!IDENTIFIER.test(module) || !IDENTIFIER.test(name)) {
      this.fail(`global ${JSON.stringify(module)} ${JSON.stringify(name)} is not a Python name`);
    }
    return new InertObject(`${PY2_MODULES[module] ?? module}.${name}`, null);
  }

  private call(
    callee: PickleValue,
    args: PickleValue,
    op: string,
    kwargs?: PickleDict,
  ): PickleValue {
    if (!(callee instanceof InertObject) || !callee.isGlobal) {
      return this.fail(
        `${op} calls ${describeValue(callee)}; only a class or function named by a global can be called`,
      );
    }
    if (!Array.isArray(args)) {
      return this.fail(
        `${op} arguments of ${callee.className} must be a tuple, found ${describeValue(args)}`,
      );
    }
    if (kwargs === undefined) {
      const data = this.dataConstructor(callee.className, args);
      if (data !== undefined) return data;
      const interpreted = this.options.callGlobal?.(callee.className, args);
      if (interpreted !== undefined) return interpreted;
    }
    return new InertObject(callee.className, args, kwargs);
  }

  /** Constructors of plain data that protocols < 3 and OrderedDict pickle as calls. */
  private dataConstructor(className: string, args: PickleValue[]): PickleValue | undefined {
    const [a, b] = args;
    switch (className) {
      case "collections.OrderedDict": {
        const d = new PickleDict();
        if (args.length === 0) return d;
        if (
          args.length === 1 &&
          Array.isArray(a) &&
          a.every((p) => Array.isArray(p) && p.length === 2)
        ) {
          this.setItems(d, (a as PickleValue[][]).flat());
          return d;
        }
        return undefined;
      }
      case "_codecs.encode": {
        // Protocols < 3 write bytes as _codecs.encode(latin-1 text, "latin1").
        if (typeof a !== "string" || (b !== "latin1" && b !== "latin-1") || args.length !== 2) {
          return undefined;
        }
        const out = new Uint8Array(a.length);
        for (let i = 0; i < a.length; i++) {
          const c = a.charCodeAt(i);
          if (c > 0xff) this.fail(`_codecs.encode of a character U+${c.toString(16)} as latin-1`);
          out[i] = c;
        }
        return out;
      }
      case "builtins.bytes":
      case "builtins.bytearray":
        if (args.length === 0) return new Uint8Array(0);
        return args.length === 1 && a instanceof Uint8Array ? a.slice() : undefined;
      default:
        return undefined;
    }
  }

  private build(target: PickleValue, state: PickleValue): void {
    if ((target instanceof InertObject && !target.isGlobal) || target instanceof PickleDict) {
      target.state = state;
      return;
    }
    this.fail(`BUILD on ${describeValue(target)}; expected an object`);
  }
}

function isKey(v: PickleValue): v is PickleKey {
  return v === null || ["string", "number", "bigint", "boolean"].includes(typeof v);
}

function intValue(v: bigint): number | bigint {
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v;
}

/**
 * Refuses a result nested deeper than `maxDepth` containers, or one that contains itself:
 * code that walks it must be able to recurse. Iterative, each shared container once.
 */
function checkDepth(root: PickleValue, maxDepth: number, fail: (detail: string) => never): void {
  const height = new Map<object, number>();
  const open = new Set<object>();
  interface Frame {
    node: object;
    children: readonly PickleValue[];
    next: number;
    height: number;
  }
  const frames: Frame[] = [];
  const enter = (v: PickleValue): void => {
    const children = childValues(v);
    if (children.length === 0 && !Array.isArray(v) && !(v instanceof PickleDict)) return;
    const node = v as object;
    if (frames.length >= maxDepth) fail(`containers nested more than ${maxDepth} deep`);
    open.add(node);
    frames.push({ node, children, next: 0, height: 1 });
  };
  enter(root);
  while (frames.length > 0) {
    const f = frames[frames.length - 1] as Frame;
    if (f.next < f.children.length) {
      const child = f.children[f.next++] as PickleValue;
      if (child === null || typeof child !== "object") continue;
      const known = height.get(child);
      if (known !== undefined) f.height = Math.max(f.height, known + 1);
      else if (open.has(child)) fail("a container contains itself; cyclic data is not supported");
      else enter(child);
      continue;
    }
    frames.pop();
    open.delete(f.node);
    height.set(f.node, f.height);
    if (frames.length + f.height > maxDepth) fail(`containers nested more than ${maxDepth} deep`);
    const parent = frames[frames.length - 1];
    if (parent) parent.height = Math.max(parent.height, f.height + 1);
  }
}
