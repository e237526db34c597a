import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesByteSource } from "../byteSource.ts";
import { countingSource } from "../testFiles.ts";
import { crc32 } from "./crc32.ts";
import { buildZip, expectBytes, formatError, type TestZipEntry } from "./testing.ts";
import { openZip } from "./zip.ts";

const FILE = "test.zip";
const open = (bytes: Uint8Array, limits = {}) => openZip(bytesByteSource(bytes, FILE), limits);
const text = (s: string) => new TextEncoder().encode(s);
/** Compressible but not trivially so. */
const big = Uint8Array.from({ length: 200_000 }, (_, i) => (i * i + (i >> 7)) % 251);
const fixture = (name: string) => readFileSync(`test/fixtures/pickles/${name}`);

describe("crc32", () => {
  it("matches the standard check value", () => {
    expect(crc32(text("123456789"))).toBe(0xcbf43926);
    expect(crc32(text("6789"), crc32(text("12345")))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe("openZip", () => {
  it("reads stored, deflated and zip64 entries", async () => {
    const zip = await open(
      buildZip(
        [
          { name: "a.txt", data: text("hello") },
          { name: "dir/b.bin", data: big, deflate: true },
          { name: "c64", data: big, zip64: true, align: 64 },
          { name: "d64", data: big, zip64: true, deflate: true },
          { name: "empty", data: new Uint8Array(0) },
        ],
        { zip64End: true, comment: "a comment" },
      ),
    );
    expect([...zip.entries.keys()]).toEqual(["a.txt", "dir/b.bin", "c64", "d64", "empty"]);
    expect(zip.entry("dir/b.bin")).toMatchObject({ method: 8, size: big.length });
    expect(zip.entry("dir/b.bin")!.compressedSize).toBeLessThan(big.length);
    expect(zip.entry("c64")).toMatchObject({ method: 0, size: big.length });
    expect(zip.entry("nope")).toBeUndefined();
    expect(new TextDecoder().decode(await zip.read("a.txt"))).toBe("hello");
    for (const name of ["dir/b.bin", "c64", "d64"]) expectBytes(await zip.read(name), big);
    expect(await zip.read("empty")).toEqual(new Uint8Array(0));
  });

  it("reads zips written by Python (numpy's zip64 local headers, deflate)", async () => {
    for (const name of ["arrays.npz", "arrays_compressed.npz"]) {
      const zip = await open(fixture(name));
      expect(zip.entries.size).toBe(10);
      expect(zip.entry("f4.npy")!.method).toBe(name === "arrays.npz" ? 0 : 8);
      for (const e of zip.entries.values()) {
        const bytes = await zip.read(e.name);
        expect(bytes.length).toBe(e.size);
        expect([...bytes.subarray(0, 6)]).toEqual([0x93, ...text("NUMPY")]);
      }
    }
  });

  it("reads only the central directory when opening, and only the range asked for", async () => {
    const src = countingSource(
      bytesByteSource(
        buildZip([
          { name: "big", data: big },
          { name: "packed", data: big, deflate: true },
        ]),
        FILE,
      ),
    );
    const zip = await openZip(src);
    expect(src.bytesRead).toBeLessThan(2048);
    const before = src.bytesRead;
    expect(await zip.readRange("big", 150_000, 10)).toEqual(big.subarray(150_000, 150_010));
    expect(src.bytesRead - before).toBe(30 + 3 + 10);
    expect(src.reads.at(-1)).toMatchObject({ length: 10 });
    expect(await zip.readRange("packed", 1000, 50)).toEqual(big.subarray(1000, 1050));
    expectBytes(await zip.readRange("packed", 0, big.length), big);
    await expect(zip.readRange("big", big.length - 5, 10)).rejects.toThrow(RangeError);
  });

  it("checks the CRC-32 of every entry read whole", async () => {
    const good = crc32(text("hello"));
    const zip = await open(
      buildZip([
        { name: "a.txt", data: text("hello"), crc: good ^ 1 },
        { name: "b.txt", data: text("hello"), crc: good ^ 0x100, deflate: true },
      ]),
    );
    for (const name of ["a.txt", "b.txt"]) {
      const err = await formatError(zip.read(name), FILE);
      expect(err.message).toContain(`zip entry "${name}": CRC-32 mismatch`);
      expect(err.message).toContain(`the data has 0x${good.toString(16)}`);
    }
    // A corrupted byte of data, with the CRC as written.
    const bytes = buildZip([{ name: "a.txt", data: text("hello") }]);
    const at = 30 + "a.txt".length + 1; // after the local header
    bytes[at] = (bytes[at] as number) ^ 0x20;
    const err = await formatError((await open(bytes)).read("a.txt"), FILE);
    expect(err.message).toContain("CRC-32 mismatch");
  });

  it("refuses a truncated zip", async () => {
    const bytes = buildZip([{ name: "a.txt", data: big }]);
    const err = await formatError(open(bytes.subarray(0, bytes.length - 5)), FILE);
    expect(err.message).toContain("no end-of-central-directory record; the file is truncated");
    // Data missing from the middle: the end record points past where it now is.
    const cut = new Uint8Array([...bytes.subarray(0, 1000), ...bytes.subarray(2000)]);
    const err2 = await formatError(open(cut), FILE);
    expect(err2.message).toMatch(/central directory .* runs past its end record .* truncated/);
  });

  it("refuses what is not a zip", async () => {
    const err = await formatError(open(text("just some text, no zip here")), FILE);
    expect(err.message).toContain("not a zip archive");
    expect(err.message).toContain("starts with bytes 6a 75 73 74");
    await formatError(open(new Uint8Array(0)), FILE);
  });

  it("refuses zip64 offsets past the end of the file", async () => {
    const entries = [{ name: "a.txt", data: text("hello"), zip64: true }];
    const err = await formatError(
      open(buildZip(entries, { zip64End: true, zip64EndOffset: 2 ** 40 })),
      FILE,
    );
    expect(err.message).toContain(
      "zip64 end-of-central-directory record offset 1099511627776 is past the end",
    );
    const err2 = await formatError(
      open(buildZip([{ ...entries[0]!, localHeaderOffset: 2 ** 40 }], { zip64End: true })),
      FILE,
    );
    expect(err2.message).toContain(
      '"a.txt": local header offset 1099511627776 is past the entry data',
    );
  });

  it("never inflates past the declared size, and refuses absurd sizes before allocating", async () => {
    const entry = (over: Partial<TestZipEntry>): TestZipEntry => ({
      name: "b.bin",
      data: big,
      deflate: true,
      ...over,
    });
    const longer = await open(buildZip([entry({ size: 1000 })]));
    expect((await formatError(longer.read("b.bin"), FILE)).message).toContain(
      'zip entry "b.bin": inflates to more than the 1000 bytes the zip declares',
    );
    const shorter = await open(buildZip([entry({ size: big.length + 7 })]));
    expect((await formatError(shorter.read("b.bin"), FILE)).message).toContain(
      `inflates to ${big.length} bytes, but the zip declares ${big.length + 7}`,
    );
    const absurd = await open(
      buildZip([entry({ size: 2 ** 45, zip64: true })], { zip64End: true }),
    );
    expect((await formatError(absurd.read("b.bin"), FILE)).message).toContain(
      "declares 35184372088832 uncompressed bytes from",
    );
    const limited = await open(buildZip([entry({})]), { maxEntryBytes: 1000 });
    expect((await formatError(limited.read("b.bin"), FILE)).message).toContain(
      "over the 1000-byte limit",
    );
    const stored = await open(buildZip([{ name: "s", data: big, size: 10 }]));
    expect((await formatError(stored.read("s"), FILE)).message).toContain(
      "is stored (not compressed) but its sizes differ",
    );
  });

  it("refuses corrupt deflate data", async () => {
    const bytes = buildZip([{ name: "b.bin", data: big, deflate: true }]);
    bytes[30 + 5] = 0xff; // first block: final, reserved type 3
    const err = await formatError((await open(bytes)).read("b.bin"), FILE);
    expect(err.message).toContain('zip entry "b.bin": deflate data is corrupt');
  });

  it("bounds entry count, name length and central directory size", async () => {
    const three = buildZip(["a", "b", "c"].map((name) => ({ name, data: text(name) })));
    expect((await formatError(open(three, { maxEntries: 2 }), FILE)).message).toContain(
      "3 entries exceed the limit of 2",
    );
    expect(
      (await formatError(open(three, { maxCentralDirectoryBytes: 100 }), FILE)).message,
    ).toMatch(/central directory of \d+ bytes exceeds the limit of 100/);
    const long = buildZip([{ name: "x".repeat(300), data: text("x") }]);
    expect((await formatError(open(long, { maxNameBytes: 256 }), FILE)).message).toContain(
      "name of 300 bytes exceeds the limit of 256",
    );
  });

  it("refuses duplicate names, encryption, other methods and missing entries", async () => {
    const dup = buildZip([
      { name: "a", data: text("1") },
      { name: "a", data: text("2") },
    ]);
    expect((await formatError(open(dup), FILE)).message).toContain(
      '"a": appears twice in the central directory',
    );
    const zip = await open(
      buildZip([
        { name: "enc", data: text("x"), flags: 1 },
        { name: "bz", data: text("x"), method: 12 },
      ]),
    );
    expect((await formatError(zip.read("enc"), FILE)).message).toContain('"enc": is encrypted');
    expect((await formatError(zip.read("bz"), FILE)).message).toContain(
      "uses compression method 12; expected stored (0) or deflate (8)",
    );
    expect((await formatError(zip.read("gone"), FILE)).message).toContain('has no entry "gone"');
  });
});
