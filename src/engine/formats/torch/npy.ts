/** The header of a numpy .npy array, format versions 1.0, 2.0 and 3.0. */
import type { Dtype } from "../dtypes.ts";

export interface NpyHeader {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Column-major data, as numpy writes a Fortran-ordered array. */
  readonly fortranOrder: boolean;
  /** Where the data starts, after the magic, version, length and header. */
  readonly dataOffset: number;
}

/** Enough leading bytes to learn the header length in every version. */
export const NPY_PREFIX_BYTES = 12;
/** numpy itself refuses headers over 10000 bytes unless told otherwise. */
const MAX_NPY_HEADER_BYTES = 65536;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const NPY_DTYPES: Readonly<Record<string, Dtype>> = {
  f4: "F32",
  f2: "F16",
  f8: "F64",
  i8: "I64",
  i4: "I32",
  i2: "I16",
  i1: "I8",
  u1: "U8",
  b1: "BOOL",
};
const SUPPORTED = "<f4, <f2, <f8, <i8, <i4, <i2, |i1, |u1, |b1";

type Fail = (detail: string) => never;

/** The data offset, from the first NPY_PREFIX_BYTES (or all, if fewer) of the array. */
export function npyDataOffset(prefix: Uint8Array, fail: Fail): number {
  if (prefix.length < 10 || !MAGIC.every((b, i) => prefix[i] === b)) {
    fail("does not start with the .npy magic \\x93NUMPY");
  }
  const major = prefix[6] as number;
  const minor = prefix[7] as number;
  const v = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1 && minor === 0) {
    headerLength = v.getUint16(8, true);
    start = 10;
  } else if ((major === 2 || major === 3) && minor === 0) {
    if (prefix.length < 12) fail("is truncated inside its .npy header");
    headerLength = v.getUint32(8, true);
    start = 12;
  } else {
    return fail(`.npy format version ${major}.${minor} is not supported; expected 1.0, 2.0 or 3.0`);
  }
  if (headerLength > MAX_NPY_HEADER_BYTES) {
    fail(`.npy header of ${headerLength} bytes exceeds the ${MAX_NPY_HEADER_BYTES}-byte limit`);
  }
  return start + headerLength;
}

/** Parses the header; `bytes` holds the array's first npyDataOffset bytes. */
export function parseNpyHeader(bytes: Uint8Array, fail: Fail): NpyHeader {
  const dataOffset = npyDataOffset(bytes, fail);
  if (bytes.length < dataOffset) fail("is truncated inside its .npy header");
  const start = bytes[6] === 1 ? 10 : 12;
  // Version 3.0 exists to allow UTF-8 (field names); earlier headers are latin-1.
  const text = new TextDecoder(bytes[6] === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, dataOffset),
  );
  const dict = new LiteralParser(text, fail).header();
  const keys = [...dict.keys()].sort().join(", ");
  if (keys !== "descr, fortran_order, shape") {
    fail(`.npy header has keys ${keys}; expected descr, fortran_order, shape`);
  }
  const descr = dict.get("descr");
  const fortranOrder = dict.get("fortran_order");
  const shape = dict.get("shape");
  if (typeof fortranOrder !== "boolean") fail("fortran_order in the .npy header is not a bool");
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    return fail("shape in the .npy header is not a tuple of non-negative integers");
  }
  const dims = shape as number[];
  if (!Number.isSafeInteger(dims.reduce((a, b) => a * b, 1))) fail(`shape (${dims}) is too large`);
  return { dtype: npyDtype(descr, fail), shape: dims, fortranOrder, dataOffset };
}

function npyDtype(descr: Literal | undefined, fail: Fail): Dtype {
  if (typeof descr !== "string") {
    return fail(
      "has a structured dtype (a list of fields); only plain numeric arrays are supported",
    );
  }
  const order = descr[0];
  const code = descr.slice(1);
  if (code.startsWith("O")) {
    return fail(
      `is an object array (dtype ${descr}), which needs Python's pickle to load; this reader ` +
        `never runs pickle; save it with a numeric dtype`,
    );
  }
  const dtype = NPY_DTYPES[code];
  if (order === ">" && dtype !== undefined) {
    return fail(
      `dtype ${descr} is big-endian; re-save it little-endian, e.g. a.astype("<${code}")`,
    );
  }
  if (dtype === undefined || (order !== "<" && order !== "|")) {
    return fail(`dtype ${descr} is not supported; expected one of ${SUPPORTED}`);
  }
  return dtype;
}

type Literal = string | number | boolean | null | Literal[] | Map<string, Literal>;

/** The Python literal numpy writes as a header: a dict of strings, bools, tuples, ints. */
class LiteralParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly fail: Fail,
  ) {}

  header(): Map<string, Literal> {
    const v = this.value(0);
    this.space();
    if (!(v instanceof Map) || this.pos < this.text.length) {
      this.fail(
        `.npy header is not a Python dict literal: ${JSON.stringify(this.text.trim().slice(0, 80))}`,
      );
    }
    return v;
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  private error(): never {
    return this.fail(
      `.npy header cannot be parsed at character ${this.pos}: ${JSON.stringify(this.text.trim().slice(0, 80))}`,
    );
  }

  private value(depth: number): Literal {
    if (depth > 8) this.error();
    this.space();
    const c = this.text[this.pos];
    if (c === "{" || c === "(" || c === "[") {
      const close = c === "{" ? "}" : c === "(" ? ")" : "]";
      this.pos++;
      const items: Literal[] = [];
      const dict = new Map<string, Literal>();
      for (;;) {
        this.space();
        if (this.text[this.pos] === close) break;
        const item = this.value(depth + 1);
        if (c === "{") {
          this.expect(":");
          if (typeof item !== "string") this.error();
          dict.set(item, this.value(depth + 1));
        } else {
          items.push(item);
        }
        this.space();
        if (this.text[this.pos] === ",") this.pos++;
        else if (this.text[this.pos] !== close) this.error();
      }
      this.pos++;
      return c === "{" ? dict : items;
    }
    if (c === "'" || c === '"') return this.string(c);
    const word = /^(True|False|None|-?[0-9]+L?)/.exec(this.text.slice(this.pos, this.pos + 32));
    if (word === null) return this.error();
    this.pos += word[0].length;
    if (word[0] === "True" || word[0] === "False") return word[0] === "True";
    if (word[0] === "None") return null;
    return Number(word[0].replace("L", ""));
  }

  private string(quote: string): string {
    let out = "";
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos] as string;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c === "\\") this.pos++;
      out += this.text[this.pos] ?? "";
    }
    return this.error();
  }

  private expect(c: string): void {
    this.space();
    if (this.text[this.pos] !== c) this.error();
    this.pos++;
  }
}
