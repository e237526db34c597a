import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesByteSource } from "./byteSource.ts";
import { FLOAT_DTYPES, type Dtype } from "./dtypes.ts";
import { openNpz } from "./npz.ts";
import { countingSource } from "./testFiles.ts";
import { buildZip, f32Bytes, formatError } from "./torch/testing.ts";

const DIR = "test/fixtures/pickles";
interface Expected {
  dtype: Dtype;
  shape: number[];
  fortran_order: boolean;
  values: (number | boolean)[];
}
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected.json`, "utf8")) as Record<
  string,
  Record<string, Expected>
>;

const FILE = "params.npz";
const openFixture = (name: string) =>
  openNpz(bytesByteSource(readFileSync(`${DIR}/${name}`), name));
const openBytes = (bytes: Uint8Array) => openNpz(bytesByteSource(bytes, FILE));

/** A .npy array: magic, version, header length, Python-literal header padded to 64, data. */
function npy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const start = version === 1 ? 10 : 12;
  const padded = header.padEnd(Math.ceil((start + header.length + 1) / 64) * 64 - start - 1) + "\n";
  const out = new Uint8Array(start + padded.length + data.length);
  out.set([0x93, ...new TextEncoder().encode("NUMPY"), version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, padded.length, true);
  else v.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), start);
  out.set(data, start + padded.length);
  return out;
}
const header = (descr: string, shape: string, fortran = "False") =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
const npzOf = (arrays: Record<string, Uint8Array>) =>
  buildZip(Object.entries(arrays).map(([name, data]) => ({ name: `${name}.npy`, data })));

describe("openNpz: files written by numpy", () => {
  for (const name of ["arrays.npz", "arrays_compressed.npz", "npy_versions.npz"]) {
    it(`reads every array of ${name} exactly`, async () => {
      const file = await openFixture(name);
      const expected = EXPECTED[name]!;
      expect([...file.arrays.keys()].sort()).toEqual(Object.keys(expected).sort());
      for (const [array, e] of Object.entries(expected)) {
        const info = file.info(array);
        expect({ array, dtype: info.dtype, shape: info.shape, fortran: info.fortranOrder }).toEqual(
          {
            array,
            dtype: e.dtype,
            shape: e.shape,
            fortran: e.fortran_order,
          },
        );
        const values = e.values.map(Number);
        expect([...(await file.readNumbers(array))]).toEqual(values);
        if (FLOAT_DTYPES.includes(info.dtype)) {
          expect([...(await file.readF32(array))]).toEqual(values.map(Math.fround));
        }
      }
    });
  }

  it("transposes a Fortran-ordered array to row-major", async () => {
    const file = await openFixture("arrays.npz");
    expect(file.info("fortran").fortranOrder).toBe(true);
    // np.arange(6).reshape(2, 3) * 1.5, stored column-major.
    expect([...(await file.readF32("fortran"))]).toEqual([0, 1.5, 3, 4.5, 6, 7.5]);
  });

  it("refuses an object array, which would need pickle", async () => {
    const err = await formatError(openFixture("object.npz"), "object.npz");
    expect(err.message).toContain('array "obj" (obj.npy) is an object array (dtype |O)');
    expect(err.message).toContain("needs Python's pickle");
  });
});

describe("openNpz: reads lazily", () => {
  it("reads only the .npy headers on open, and an array's entry when asked", async () => {
    const values = Array.from({ length: 100_000 }, (_, i) => i / 4);
    const bytes = npzOf({
      big: npy(header("<f4", "(100000,)"), f32Bytes(values)),
      small: npy(header("<f4", "(2,)"), f32Bytes([1, 2])),
    });
    const src = countingSource(bytesByteSource(bytes, FILE));
    const file = await openNpz(src);
    expect(src.bytesRead).toBeLessThan(2048);
    expect([...(await file.readF32("small"))]).toEqual([1, 2]);
    expect(src.bytesRead).toBeLessThan(4096);
    const big = await file.readF32("big");
    expect(big[99_999]).toBe(values[99_999]);
  });
});

describe("openNpz: bad files", () => {
  const fails = async (bytes: Uint8Array, ...parts: string[]) => {
    const err = await formatError(openBytes(bytes), FILE);
    for (const p of parts) expect(err.message).toContain(p);
  };
  const one = (h: string, data = f32Bytes([1, 2]), version = 1) =>
    npzOf({ w: npy(h, data, version) });

  it("reads the hand-made array these cases start from, in versions 1 and 2", async () => {
    for (const version of [1, 2]) {
      const file = await openBytes(one(header("<f4", "(2,)"), f32Bytes([1, 2]), version));
      expect([...(await file.readF32("w"))]).toEqual([1, 2]);
    }
  });

  it("refuses big-endian and unsupported dtypes", async () => {
    await fails(one(header(">f4", "(2,)")), 'array "w" (w.npy) dtype >f4 is big-endian');
    await fails(one(header("<u4", "(2,)")), "dtype <u4 is not supported; expected one of <f4");
    await fails(
      one("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }"),
      "has a structured dtype",
    );
  });

  it("refuses bad headers", async () => {
    await fails(
      npzOf({ w: Uint8Array.from([0x94, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) }),
      "does not start with the .npy magic",
    );
    await fails(
      one(header("<f4", "(2,)"), f32Bytes([1, 2]), 4),
      ".npy format version 4.0 is not supported",
    );
    await fails(
      one("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"),
      ".npy header has keys descr, extra, fortran_order, shape",
    );
    await fails(
      one("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"),
      ".npy header cannot be parsed",
    );
    await fails(
      one(header("<f4", "(-2,)")),
      "shape in the .npy header is not a tuple of non-negative integers",
    );
  });

  it("refuses an array whose data is shorter than its shape needs", () =>
    fails(
      one(header("<f4", "(10,)")),
      "is truncated: F32 shape [10] needs 40 bytes of data, the entry has 8",
    ));

  it("refuses a zip without arrays, and a missing array", async () => {
    await fails(
      buildZip([{ name: "cfg.json", data: new Uint8Array(2) }]),
      "without .npy entries",
      '"cfg.json"',
    );
    const file = await openBytes(one(header("<f4", "(2,)")));
    expect((await formatError(file.readF32("b_enc"), FILE)).message).toContain(
      'missing array "b_enc"; the file has "w"',
    );
  });

  it("checks the CRC when reading an array (on open, when the header read is all of it)", async () => {
    const small = npy(header("<f4", "(2,)"), f32Bytes([1, 2]));
    await fails(
      buildZip([{ name: "w.npy", data: small, crc: 1 }]),
      'zip entry "w.npy": CRC-32 mismatch',
    );
    const large = npy(header("<f4", "(100,)"), f32Bytes(new Array<number>(100).fill(1)));
    const file = await openBytes(buildZip([{ name: "w.npy", data: large, crc: 1 }]));
    expect((await formatError(file.readF32("w"), FILE)).message).toContain(
      'zip entry "w.npy": CRC-32 mismatch',
    );
  });

  it("refuses readF32 of an integer array and reads it with readNumbers", async () => {
    const data = new Uint8Array(new BigInt64Array([-3n, 2n ** 40n]).buffer);
    const file = await openBytes(one(header("<i8", "(2,)"), data));
    expect((await formatError(file.readF32("w"), FILE)).message).toContain(
      'array "w" holds I64 values',
    );
    expect([...(await file.readNumbers("w"))]).toEqual([-3, 2 ** 40]);
  });
});
