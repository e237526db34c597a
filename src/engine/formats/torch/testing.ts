/** Test helpers: zips and pickles built byte by byte, including broken ones. */
import { deflateSync } from "fflate";
import { expect } from "vitest";
import { FormatError } from "../formatError.ts";
import { crc32 } from "./crc32.ts";

export interface TestZipEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Sizes and offset in zip64 extra fields (local and central), 0xffffffff in the records. */
  zip64?: boolean;
  /** Pads the local header so that the data starts at a multiple of this, as torch.save does. */
  align?: number;
  /** Overrides of what the central directory says. */
  crc?: number;
  size?: number;
  localHeaderOffset?: number;
  method?: number;
  flags?: number;
}

export interface TestZipOptions {
  /** Writes a zip64 end-of-central-directory record and locator, saturating the old record. */
  zip64End?: boolean;
  /** Overrides the zip64 record's offset in the locator. */
  zip64EndOffset?: number;
  comment?: string;
}

class ByteWriter {
  private readonly parts: number[] = [];

  get length(): number {
    return this.parts.length;
  }
  u8(n: number): this {
    this.parts.push(n & 0xff);
    return this;
  }
  u16(n: number): this {
    return this.u8(n).u8(n >>> 8);
  }
  u32(n: number): this {
    return this.u16(n & 0xffff).u16(Math.floor(n / 0x10000));
  }
  u64(n: number): this {
    return this.u32(n % 2 ** 32).u32(Math.floor(n / 2 ** 32));
  }
  bytes(b: Uint8Array | readonly number[]): this {
    for (const x of b) this.parts.push(x);
    return this;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function buildZip(
  entries: readonly TestZipEntry[],
  options: TestZipOptions = {},
): Uint8Array {
  const w = new ByteWriter();
  const enc = new TextEncoder();
  const central = new ByteWriter();
  for (const e of entries) {
    const name = enc.encode(e.name);
    const stored = e.deflate ? deflateSync(e.data) : e.data;
    const offset = w.length;
    const localExtra = new ByteWriter();
    if (e.zip64) localExtra.u16(1).u16(16).u64(e.data.length).u64(stored.length);
    if (e.align !== undefined) {
      const unpadded = offset + 30 + name.length + localExtra.length + 4;
      const pad = (e.align - (unpadded % e.align)) % e.align;
      localExtra.u16(0x4246).u16(pad).bytes(new Uint8Array(pad));
    }
    const method = e.method ?? (e.deflate ? 8 : 0);
    const crc = e.crc ?? crc32(e.data);
    const flags = e.flags ?? 0x800;
    const big = e.zip64 ? 0xffffffff : undefined;
    w.u32(0x04034b50)
      .u16(e.zip64 ? 45 : 20)
      .u16(flags)
      .u16(method)
      .u16(0)
      .u16(0x21)
      .u32(crc);
    w.u32(big ?? stored.length)
      .u32(big ?? e.data.length)
      .u16(name.length);
    w.u16(localExtra.length).bytes(name).bytes(localExtra.finish()).bytes(stored);

    const size = e.size ?? e.data.length;
    const localHeaderOffset = e.localHeaderOffset ?? offset;
    const extra = new ByteWriter();
    if (e.zip64) extra.u16(1).u16(24).u64(size).u64(stored.length).u64(localHeaderOffset);
    central
      .u32(0x02014b50)
      .u16(e.zip64 ? 45 : 20)
      .u16(e.zip64 ? 45 : 20)
      .u16(flags);
    central
      .u16(method)
      .u16(0)
      .u16(0x21)
      .u32(crc)
      .u32(big ?? stored.length)
      .u32(big ?? size);
    central.u16(name.length).u16(extra.length).u16(0).u16(0).u16(0).u32(0);
    central
      .u32(big ?? localHeaderOffset)
      .bytes(name)
      .bytes(extra.finish());
  }
  const cdOffset = w.length;
  const cd = central.finish();
  w.bytes(cd);
  const n = entries.length;
  if (options.zip64End) {
    const recordAt = w.length;
    w.u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0).u64(n).u64(n);
    w.u64(cd.length).u64(cdOffset);
    w.u32(0x07064b50)
      .u32(0)
      .u64(options.zip64EndOffset ?? recordAt)
      .u32(1);
  }
  const comment = enc.encode(options.comment ?? "");
  const sat = options.zip64End;
  w.u32(0x06054b50)
    .u16(0)
    .u16(0)
    .u16(sat ? 0xffff : n)
    .u16(sat ? 0xffff : n);
  w.u32(sat ? 0xffffffff : cd.length)
    .u32(sat ? 0xffffffff : cdOffset)
    .u16(comment.length);
  return w.bytes(comment).finish();
}

/** Hand-made pickles, opcode by opcode. */
export class PickleWriter {
  private readonly w = new ByteWriter();

  op(...bytes: number[]): this {
    this.w.bytes(bytes);
    return this;
  }
  proto(n = 2): this {
    return this.op(0x80, n);
  }
  /** BININT within int32, else an 8-byte LONG1. */
  int(n: number): this {
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      this.w.u8(0x4a).u32(n >>> 0);
      return this;
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(n), true);
    return this.op(0x8a, 8, ...b);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.w.u8(0x58).u32(b.length).bytes(b);
    return this;
  }
  global(module: string, name: string): this {
    this.w.u8(0x63).bytes(new TextEncoder().encode(`${module}\n${name}\n`));
    return this;
  }
  mark(): this {
    return this.op(0x28);
  }
  none(): this {
    return this.op(0x4e);
  }
  tuple(): this {
    return this.op(0x74);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  emptyList(): this {
    return this.op(0x5d);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  append(): this {
    return this.op(0x61);
  }
  setitem(): this {
    return this.op(0x73);
  }
  reduce(): this {
    return this.op(0x52);
  }
  newobj(): this {
    return this.op(0x81);
  }
  build(): this {
    return this.op(0x62);
  }
  persid(): this {
    return this.op(0x51);
  }
  put(i: number): this {
    return this.op(0x71, i);
  }
  get(i: number): this {
    return this.op(0x68, i);
  }
  stop(): this {
    return this.op(0x2e);
  }
  ints(values: readonly number[]): this {
    this.mark();
    for (const v of values) this.int(v);
    return this.tuple();
  }
  finish(): Uint8Array {
    return this.w.finish();
  }
}

export interface TestTensor {
  storageType?: string;
  key: string;
  numel: number;
  offset?: number;
  shape: readonly number[];
  stride?: readonly number[];
}

/** Pushes `torch._utils._rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())`. */
export function pickleTensor(p: PickleWriter, t: TestTensor): PickleWriter {
  const stride = t.stride ?? t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  p.global("torch._utils", "_rebuild_tensor_v2").mark();
  p.mark()
    .str("storage")
    .global("torch", t.storageType ?? "FloatStorage")
    .str(t.key)
    .str("cpu");
  p.int(t.numel).tuple().persid();
  p.int(t.offset ?? 0)
    .ints(t.shape)
    .ints(stride)
    .op(0x89);
  p.global("collections", "OrderedDict").emptyTuple().reduce();
  return p.tuple().reduce();
}

/** A pickled `{name: tensor}` as torch.save writes it. */
export function tensorDictPickle(tensors: Readonly<Record<string, TestTensor>>): Uint8Array {
  const p = new PickleWriter().proto().emptyDict();
  for (const [name, t] of Object.entries(tensors)) pickleTensor(p.str(name), t).setitem();
  return p.stop().finish();
}

/** A torch.save-style zip: `archive/data.pkl`, 64-byte aligned `archive/data/<key>`, version. */
export function torchZip(
  pickle: Uint8Array,
  storages: Readonly<Record<string, Uint8Array>>,
  extra: readonly TestZipEntry[] = [],
): Uint8Array {
  return buildZip([
    { name: "archive/data.pkl", data: pickle, align: 64 },
    ...Object.entries(storages).map(([key, data]) => ({
      name: `archive/data/${key}`,
      data,
      align: 64,
    })),
    { name: "archive/version", data: new TextEncoder().encode("3\n") },
    ...extra,
  ]);
}

export function f32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** The FormatError a promise (or function) rejects with; one line, naming `file`. */
export async function formatError(
  p: Promise<unknown> | (() => unknown),
  file: string,
): Promise<FormatError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    const err = e as FormatError;
    expect(err.message).not.toContain("\n");
    expect(err.message.startsWith(`${file}: `)).toBe(true);
    return err;
  }
  throw new Error("expected a FormatError, nothing was thrown");
}

/** Byte-for-byte equality, without toEqual's slow walk over large arrays. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}
