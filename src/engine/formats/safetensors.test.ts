import { describe, expect, it } from "vitest";
import { blobByteSource, bytesByteSource } from "./byteSource.ts";
import { FormatError } from "./formatError.ts";
import { openSafetensors, writeSafetensors } from "./safetensors.ts";
import { countingSource, rawSafetensors } from "./testFiles.ts";

const open = (bytes: Uint8Array, name = "acts.safetensors") =>
  openSafetensors(bytesByteSource(bytes, name));

async function formatError(p: Promise<unknown> | (() => unknown)): Promise<FormatError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).not.toContain("\n");
    return e as FormatError;
  }
  throw new Error("expected a FormatError, nothing was thrown");
}

describe("writeSafetensors", () => {
  it("lays out an exact, aligned file", () => {
    const bytes = writeSafetensors([
      { name: "test", dtype: "I32", shape: [2, 2], data: new Int32Array([1, -2, 3, 2147483647]) },
    ]);
    const json = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    expect(json.length).toBe(60);
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(0, true)).toBe(64n);
    expect(new TextDecoder().decode(bytes.subarray(8, 72))).toBe(json + "    ");
    expect(bytes.byteLength).toBe(8 + 64 + 16);
    expect([0, 1, 2, 3].map((i) => view.getInt32(72 + i * 4, true))).toEqual([
      1, -2, 3, 2147483647,
    ]);
  });

  it("keeps the given order, even for integer-like names", async () => {
    const bytes = writeSafetensors([
      { name: "b", dtype: "F32", shape: [1], data: new Float32Array([1]) },
      { name: "0", dtype: "F32", shape: [2], data: new Float32Array([2, 3]) },
    ]);
    const f = await open(bytes);
    expect([...f.tensors.keys()]).toEqual(["b", "0"]);
    const header = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(f.info("b")).toEqual({
      name: "b",
      dtype: "F32",
      shape: [1],
      begin: header,
      end: header + 4,
    });
    expect(f.info("0").begin).toBe(header + 4);
  });

  it("refuses data whose length disagrees with the shape", () => {
    expect(() =>
      writeSafetensors([{ name: "x", dtype: "F32", shape: [2, 3], data: new Float32Array(5) }]),
    ).toThrow('tensor "x" has shape [2, 3] (6 values) but 5 values');
  });
});

describe("openSafetensors round trip", () => {
  it("reads back values, shapes, metadata and an empty tensor", async () => {
    const w = new Float32Array([0.5, -1.25, 3e-8, 1e30, -0, 7]);
    const bytes = writeSafetensors(
      [
        { name: "W", dtype: "F32", shape: [2, 3], data: w },
        { name: "idx", dtype: "I32", shape: [3], data: new Int32Array([-7, 0, 9]) },
        { name: "empty", dtype: "F32", shape: [0, 4], data: new Float32Array(0) },
      ],
      { format: "pt", note: "héllo" },
    );
    expect(bytes.byteLength % 8).toBe((8 + 24 + 12) % 8);
    const f = await open(bytes);
    expect(f.name).toBe("acts.safetensors");
    expect(f.metadata).toEqual({ format: "pt", note: "héllo" });
    expect(f.has("W")).toBe(true);
    expect(f.has("w")).toBe(false);
    expect(f.info("W").shape).toEqual([2, 3]);
    expect(Array.from(await f.readF32("W"))).toEqual(Array.from(w));
    expect(Object.is((await f.readF32("W"))[4], -0)).toBe(true);
    expect(Array.from(await f.readI32("idx"))).toEqual([-7, 0, 9]);
    expect((await f.readF32("empty")).length).toBe(0);
  });

  it("reads through a Blob the same way", async () => {
    const bytes = writeSafetensors([
      { name: "x", dtype: "F32", shape: [4], data: new Float32Array([1, 2, 3, 4]) },
    ]);
    const f = await openSafetensors(blobByteSource(new Blob([bytes]), "x.safetensors"));
    expect(Array.from(await f.readF32("x", 1, 2))).toEqual([2, 3]);
  });
});

describe("slices", () => {
  const rows = 10;
  const width = 3;
  const data = Float32Array.from({ length: rows * width }, (_, i) => i * 0.5);
  const bytes = writeSafetensors([
    { name: "pad", dtype: "I32", shape: [5], data: new Int32Array(5) },
    { name: "x", dtype: "F32", shape: [rows, width], data },
  ]);

  it("returns the requested rows and reads only their bytes", async () => {
    const src = countingSource(bytesByteSource(bytes, "acts.safetensors"));
    const f = await openSafetensors(src);
    const headerBytes = src.bytesRead;
    expect(headerBytes).toBe(f.info("pad").begin);
    const slice = await f.readF32("x", 4, 3);
    expect(Array.from(slice)).toEqual([6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10]);
    expect(src.reads.at(-1)).toEqual({ offset: f.info("x").begin + 4 * width * 4, length: 36 });
    expect(src.bytesRead).toBe(headerBytes + 36);
  });

  it("defaults to the rest of the rows and refuses rows out of range", async () => {
    const f = await open(bytes);
    expect(Array.from(await f.readF32("x", 9))).toEqual([13.5, 14, 14.5]);
    await expect(f.readF32("x", 8, 3)).rejects.toThrow(
      'acts.safetensors: tensor "x": cannot read rows [8, 11) of 10',
    );
    await expect(f.readF32("x", -1, 1)).rejects.toThrow(RangeError);
  });

  it("slices F16 rows too", async () => {
    const half = [0x3c00, 0x4000, 0x4200, 0x4400]; // 1, 2, 3, 4
    const body = new Uint8Array(new Uint16Array(half).buffer);
    const raw = rawSafetensors({ h: { dtype: "F16", shape: [2, 2], data_offsets: [0, 8] } }, body);
    const src = countingSource(bytesByteSource(raw, "h.safetensors"));
    const f = await openSafetensors(src);
    expect(Array.from(await f.readF32("h", 1, 1))).toEqual([3, 4]);
    expect(src.reads.at(-1)?.length).toBe(4);
  });
});

describe("dtype conversion", () => {
  async function decode(dtype: string, bits: number[]): Promise<number[]> {
    const body = new Uint8Array(bits.length * 2);
    bits.forEach((b, i) => new DataView(body.buffer).setUint16(i * 2, b, true));
    const raw = rawSafetensors(
      { t: { dtype, shape: [bits.length], data_offsets: [0, body.byteLength] } },
      body,
    );
    return Array.from(await (await open(raw)).readF32("t"));
  }

  it("decodes F16 exactly", async () => {
    const values = await decode(
      "F16",
      [0x3c00, 0xc000, 0x3555, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x7c00, 0xfc00, 0x8000, 0x7e00],
    );
    expect(values.slice(0, 9)).toEqual([
      1,
      -2,
      0.333251953125,
      2 ** -24,
      1023 * 2 ** -24,
      2 ** -14,
      65504,
      Infinity,
      -Infinity,
    ]);
    expect(Object.is(values[9], -0)).toBe(true);
    expect(values[10]).toBeNaN();
  });

  it("decodes BF16 exactly", async () => {
    const values = await decode("BF16", [0x3f80, 0xc000, 0x4049, 0x0001, 0x7f80, 0x8000, 0x7fc0]);
    expect(values.slice(0, 5)).toEqual([1, -2, 3.140625, 2 ** -133, Infinity]);
    expect(Object.is(values[5], -0)).toBe(true);
    expect(values[6]).toBeNaN();
  });

  it("rounds F64 to the nearest f32", async () => {
    const body = new Uint8Array(16);
    new DataView(body.buffer).setFloat64(0, 0.1, true);
    new DataView(body.buffer).setFloat64(8, -3.5, true);
    const raw = rawSafetensors({ d: { dtype: "F64", shape: [2], data_offsets: [0, 16] } }, body);
    expect(Array.from(await (await open(raw)).readF32("d"))).toEqual([Math.fround(0.1), -3.5]);
  });

  it("reads I64 within int32 and refuses values outside", async () => {
    const body = new Uint8Array(24);
    const view = new DataView(body.buffer);
    view.setBigInt64(0, -5n, true);
    view.setBigInt64(8, 2147483647n, true);
    view.setBigInt64(16, 2147483648n, true);
    const ok = rawSafetensors(
      { i: { dtype: "I64", shape: [2], data_offsets: [0, 16] } },
      body.subarray(0, 16),
    );
    expect(Array.from(await (await open(ok)).readI32("i"))).toEqual([-5, 2147483647]);
    const big = rawSafetensors({ i: { dtype: "I64", shape: [3], data_offsets: [0, 24] } }, body);
    const f = await open(big, "ids.safetensors");
    const e = await formatError(f.readI32("i"));
    expect(e.message).toBe(
      'ids.safetensors: tensor "i": I64 value 2147483648 at index 2 does not fit in int32; expected values in [-2^31, 2^31)',
    );
  });

  it("names the expected dtype when the tensor has another", async () => {
    const raw = rawSafetensors({ m: { dtype: "U8", shape: [2], data_offsets: [0, 2] } }, 2);
    const f = await open(raw);
    expect((await formatError(f.readF32("m"))).message).toBe(
      'acts.safetensors: tensor "m": dtype is U8; expected a float tensor (F32, F16, BF16, F64)',
    );
    expect((await formatError(f.readI32("m"))).message).toBe(
      'acts.safetensors: tensor "m": dtype is U8; expected an integer tensor (I32 or I64)',
    );
  });
});

describe("malformed files", () => {
  const x = (extra: object = {}) => ({
    x: { dtype: "F32", shape: [2], data_offsets: [0, 8], ...extra },
  });

  it("refuses a file too small for the length field", async () => {
    expect((await formatError(open(new Uint8Array(5)))).message).toBe(
      "acts.safetensors: file has 5 bytes; expected at least 8 (the header length) for a safetensors file",
    );
  });

  it("refuses a header over 100 MB", async () => {
    const raw = rawSafetensors(x(), 8, 100_000_001n);
    expect((await formatError(open(raw))).message).toBe(
      "acts.safetensors: header length 100000001 exceeds the 100000000-byte limit; not a safetensors file?",
    );
    const huge = rawSafetensors(x(), 8, 2n ** 64n - 1n);
    expect((await formatError(open(huge))).message).toContain("header length 18446744073709551615");
  });

  it("refuses a header longer than the file", async () => {
    const raw = rawSafetensors(x(), 8, 1000n);
    expect((await formatError(open(raw))).message).toBe(
      `acts.safetensors: header of 1000 bytes is longer than the file (${raw.byteLength} bytes)`,
    );
  });

  it("refuses invalid JSON, a non-object header and invalid UTF-8", async () => {
    expect((await formatError(open(rawSafetensors('{"x": ', 0)))).message).toMatch(
      /^acts\.safetensors: header is not valid JSON \(.+\)$/,
    );
    expect((await formatError(open(rawSafetensors("[1, 2]", 0)))).message).toBe(
      "acts.safetensors: header must be a JSON object, found an array",
    );
    const bad = rawSafetensors("{}", 0);
    bad[9] = 0xff;
    expect((await formatError(open(bad))).message).toBe(
      "acts.safetensors: header is not valid UTF-8; expected a JSON object",
    );
  });

  it("refuses an unknown dtype", async () => {
    const e = await formatError(open(rawSafetensors(x({ dtype: "F12" }), 8)));
    expect(e.message).toBe(
      'acts.safetensors: tensor "x": unknown dtype "F12"; expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL',
    );
    expect(e.tensor).toBe("x");
  });

  it("refuses bad shapes, bad offsets and non-object entries", async () => {
    expect((await formatError(open(rawSafetensors(x({ shape: [2, -1] }), 8)))).message).toBe(
      'acts.safetensors: tensor "x": shape must be an array of non-negative integers, found [2,-1]',
    );
    expect((await formatError(open(rawSafetensors(x({ shape: [1.5] }), 8)))).message).toContain(
      "shape must be an array of non-negative integers, found [1.5]",
    );
    expect((await formatError(open(rawSafetensors(x({ data_offsets: [8, 0] }), 8)))).message).toBe(
      'acts.safetensors: tensor "x": data_offsets must be [begin, end] with integers 0 <= begin <= end, found [8,0]',
    );
    expect((await formatError(open(rawSafetensors({ x: [1] }, 0)))).message).toBe(
      'acts.safetensors: tensor "x": header entry must be an object {dtype, shape, data_offsets}, found an array',
    );
  });

  it("refuses a byte length that disagrees with shape and dtype", async () => {
    const e = await formatError(open(rawSafetensors(x({ shape: [3] }), 12)));
    expect(e.message).toBe(
      'acts.safetensors: tensor "x": data_offsets [0, 8] span 8 bytes, expected 12 (F32 shape [3] = 3 x 4 bytes)',
    );
  });

  it("refuses a truncated file", async () => {
    const raw = rawSafetensors(x(), 5);
    const e = await formatError(open(raw));
    expect(e.message).toBe(
      `acts.safetensors: file is truncated: tensor "x" ends at byte ${raw.byteLength + 3} but the file has only ${raw.byteLength} bytes`,
    );
  });

  it("refuses overlapping tensors", async () => {
    const header = {
      a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
      b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
    };
    const raw = rawSafetensors(header, 12);
    const start = raw.byteLength - 12;
    expect((await formatError(open(raw))).message).toBe(
      `acts.safetensors: tensors "a" (bytes ${start}-${start + 8}) and "b" (bytes ${start + 4}-${start + 12}) overlap; expected disjoint data_offsets`,
    );
  });

  it("refuses __metadata__ that is not a string map", async () => {
    const raw = rawSafetensors({ __metadata__: { format: "pt", step: 3 }, ...x() }, 8);
    expect((await formatError(open(raw))).message).toBe(
      'acts.safetensors: "__metadata__" must map strings to strings; key "step" has 3',
    );
    const raw2 = rawSafetensors({ __metadata__: ["pt"] }, 0);
    expect((await formatError(open(raw2))).message).toBe(
      'acts.safetensors: "__metadata__" must be an object of strings, found an array',
    );
  });
});

describe("info, expectShape, missing tensors", () => {
  it("lists the tensors present when one is missing, shortened if many", async () => {
    const few = writeSafetensors([
      { name: "b_enc", dtype: "F32", shape: [1], data: new Float32Array(1) },
      { name: "W_dec", dtype: "F32", shape: [1], data: new Float32Array(1) },
    ]);
    const f = await open(few, "sae_weights.safetensors");
    expect((await formatError(() => f.info("W_enc"))).message).toBe(
      'sae_weights.safetensors: missing tensor "W_enc"; the file has "b_enc", "W_dec"',
    );
    const many = writeSafetensors(
      Array.from({ length: 20 }, (_, i) => ({
        name: `t${i}`,
        dtype: "F32" as const,
        shape: [1],
        data: new Float32Array(1),
      })),
    );
    const g = await open(many, "many.safetensors");
    await expect(g.readF32("W_enc")).rejects.toThrow(
      'many.safetensors: missing tensor "W_enc"; the file has "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7" (and 12 more)',
    );
  });

  it("checks rank and fixed dimensions", async () => {
    const f = await open(
      writeSafetensors([
        { name: "x", dtype: "F32", shape: [5], data: new Float32Array(5) },
        { name: "y", dtype: "F32", shape: [5, 512], data: new Float32Array(5 * 512) },
      ]),
    );
    expect((await formatError(() => f.expectShape("x", [null, 768], "[N, d_in]"))).message).toBe(
      'acts.safetensors: tensor "x": expected 2 dimensions [N, d_in], found shape [5]',
    );
    expect((await formatError(() => f.expectShape("y", [null, 768], "[N, d_in]"))).message).toBe(
      'acts.safetensors: tensor "y": expected shape [N, d_in] = [*, 768], found shape [5, 512] (dimension 1 is 512, expected 768)',
    );
    expect(f.expectShape("y", [null, 512], "[N, d_in]")).toEqual([5, 512]);
    expect(f.expectShape("x", [5], "[N]")).toEqual([5]);
  });
});
