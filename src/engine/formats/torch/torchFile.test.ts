import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesByteSource } from "../byteSource.ts";
import { FLOAT_DTYPES, type Dtype } from "../dtypes.ts";
import { countingSource } from "../testFiles.ts";
import {
  buildZip,
  f32Bytes,
  formatError,
  pickleTensor,
  PickleWriter,
  tensorDictPickle,
  torchZip,
  type TestTensor,
} from "./testing.ts";
import {
  InertObject,
  isInertObject,
  isTorchTensor,
  objectField,
  openTorchFile,
  PickleDict,
  type TorchTensor,
} from "./torchFile.ts";

const DIR = "test/fixtures/pickles";

interface Expected {
  dtype: Dtype;
  shape: number[];
  stride: number[];
  offset: number;
  values: (number | boolean)[];
}
const EXPECTED = JSON.parse(readFileSync(`${DIR}/expected.json`, "utf8")) as Record<
  string,
  Record<string, Expected>
>;

const openFixture = (name: string) =>
  openTorchFile(bytesByteSource(readFileSync(`${DIR}/${name}`), name));
const FILE = "model.pt";
const openBytes = (bytes: Uint8Array) => openTorchFile(bytesByteSource(bytes, FILE));

describe("openTorchFile: files written by torch.save", () => {
  for (const name of [
    "state_dict.pt",
    "dtypes.pt",
    "dtypes_p4.pt",
    "views.pt",
    "parameters.pt",
    "nested.pt",
    "transcoder_circuits.pt",
  ]) {
    it(`reads every tensor of ${name} exactly`, async () => {
      const file = await openFixture(name);
      const expected = EXPECTED[name]!;
      const tensors = file.tensors();
      expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
      for (const [path, e] of Object.entries(expected)) {
        const t = tensors.get(path)!;
        expect({
          path,
          dtype: t.dtype,
          shape: t.shape,
          stride: t.stride,
          offset: t.storageOffset,
        }).toEqual({
          path,
          dtype: e.dtype,
          shape: e.shape,
          stride: e.stride,
          offset: e.offset,
        });
        const values = e.values.map(Number);
        expect([...(await t.readNumbers())]).toEqual(values);
        if (FLOAT_DTYPES.includes(t.dtype)) {
          expect([...(await t.readF32())]).toEqual(values.map(Math.fround));
        }
      }
    });
  }

  it("names the archive folder after the saved file", async () => {
    expect((await openFixture("views.pt")).archive).toBe("views");
  });

  it("reads a state_dict's OrderedDict, keeping its _metadata as state", async () => {
    const file = await openFixture("state_dict.pt");
    expect(file.root).toBeInstanceOf(PickleDict);
    const root = file.root as PickleDict;
    expect([...root.keys()]).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(isTorchTensor(root.get("0.weight"))).toBe(true);
    const metadata = (root.state as PickleDict).get("_metadata") as PickleDict;
    expect([...metadata.keys()]).toEqual(["", "0", "1", "2"]);
    expect((metadata.get("0") as PickleDict).get("version")).toBe(1);
  });

  it("shares one storage between views, and reads only what a view needs", async () => {
    const file = await openFixture("views.pt");
    const t = file.tensors();
    const base = t.get("base")!;
    for (const view of ["t", "row", "col", "block"])
      expect(t.get(view)!.storage).toBe(base.storage);
    expect(base.storage).toMatchObject({ dtype: "F32", numel: 12, location: "cpu", key: "0" });
    expect(t.get("expanded")!.stride).toEqual([0, 1]);
  });

  it("keeps requires_grad of parameters", async () => {
    const t = (await openFixture("parameters.pt")).tensors();
    expect(t.get("p")!.requiresGrad).toBe(true);
    expect(t.get("frozen")!.requiresGrad).toBe(false);
  });

  it("reads 0-d tensors, such as a top-k k", async () => {
    const t = (await openFixture("dtypes.pt")).tensors();
    expect(t.get("k")!.shape).toEqual([]);
    expect([...(await t.get("k")!.readNumbers())]).toEqual([32]);
    expect([...(await t.get("threshold")!.readF32())]).toEqual([0.25]);
    expect(await t.get("empty")!.readF32()).toEqual(new Float32Array(0));
  });

  it("reads nested containers", async () => {
    const root = (await openFixture("nested.pt")).root as PickleDict;
    expect(root.get("list")).toEqual([1, -2.5, "x", null, true, false]);
    expect(root.get("tuple")).toEqual([1, [2, 3], [4]]);
    expect(root.get("long_tuple")).toEqual([1, 2, 3, 4, 5]);
    const od = root.get("od") as PickleDict;
    expect([...od]).toEqual([
      ["b", 1],
      ["a", 2],
    ]);
    expect(root.get("bytes")).toEqual(new Uint8Array([0, 255, 97, 98]));
    expect(root.get("big")).toBe(2n ** 70n);
    expect(root.get("neg")).toBe(-(2 ** 40));
    const set = root.get("set") as InertObject;
    expect([set.className, set.args]).toEqual(["builtins.set", [[3]]]);
    expect([...(root.get("int_keys") as PickleDict)]).toEqual([
      [1, "one"],
      [2, "two"],
    ]);
    expect((root.get("empty") as PickleDict).size).toBe(0);
    expect(root.get("unicode")).toBe("héllo ✓");
  });

  it("reads a transcoder_circuits file: the config object stays an inert record", async () => {
    const file = await openFixture("transcoder_circuits.pt");
    const root = file.root as PickleDict;
    const cfg = root.get("cfg");
    expect(isInertObject(cfg)).toBe(true);
    const c = cfg as InertObject;
    expect(c.className).toBe("sae_training.config.LanguageModelSAERunnerConfig");
    expect(c.args).toEqual([]);
    expect(objectField(c, "hook_point")).toBe("blocks.3.ln2.hook_normalized");
    expect(objectField(c, "out_hook_point")).toBe("blocks.3.hook_mlp_out");
    expect([objectField(c, "d_in"), objectField(c, "d_out"), objectField(c, "d_sae")]).toEqual([
      4, 4, 8,
    ]);
    expect(objectField(c, "is_transcoder")).toBe(true);
    expect(objectField(c, "l1_coefficient")).toBe(1.4e-4);
    const dtype = objectField(c, "dtype") as InertObject;
    expect([dtype.className, dtype.isGlobal]).toEqual(["torch.float32", true]);
    const device = objectField(c, "device") as InertObject;
    expect([device.className, device.args]).toEqual(["torch.device", ["cpu"]]);
    const w = file.tensors().get("state_dict.W_enc")!;
    expect([w.dtype, w.shape]).toEqual(["F32", [4, 8]]);
  });

  it("refuses the legacy (pre-1.6) format and says how to re-save it", async () => {
    const err = await formatError(openFixture("legacy.pt"), "legacy.pt");
    expect(err.message).toContain("legacy PyTorch format");
    expect(err.message).toContain("torch.save(torch.load(path), path)");
    expect(err.message).toContain("safetensors");
  });
});

describe("openTorchFile: reads lazily", () => {
  // A 1 MB storage (262,144 floats) and two views of it.
  const numel = 262_144;
  const values = Array.from({ length: numel }, (_, i) => (i % 1000) * 0.5 - 7);
  const bytes = torchZip(
    tensorDictPickle({
      all: { key: "0", numel, shape: [512, 512] },
      slice: { key: "0", numel, offset: 100_000, shape: [2, 3], stride: [10, 2] },
    }),
    { "0": f32Bytes(values) },
  );

  it("reads only the pickle on open and only a view's span of its storage", async () => {
    const src = countingSource(bytesByteSource(bytes, FILE));
    const file = await openTorchFile(src);
    expect(bytes.length).toBeGreaterThan(numel * 4);
    expect(src.bytesRead).toBeLessThan(4096);
    const before = src.bytesRead;
    const slice = file.tensors().get("slice")!;
    const expected = [0, 2, 4, 10, 12, 14].map((i) => values[100_000 + i]!);
    expect([...(await slice.readF32())]).toEqual(expected);
    // The local header (once) and elements 100,000 to 100,014.
    expect(src.reads.at(-1)).toMatchObject({ length: 15 * 4 });
    expect(src.bytesRead - before).toBeLessThan(200);
    const all = await file.tensors().get("all")!.readF32();
    expect(all.length).toBe(numel);
    expect(all[123_456]).toBe(values[123_456]);
  });
});

describe("openTorchFile: bad files", () => {
  const simple = (t: Partial<TestTensor> = {}, storage = f32Bytes([1, 2, 3, 4])) =>
    torchZip(tensorDictPickle({ w: { key: "0", numel: 4, shape: [4], ...t } }), { "0": storage });

  const fails = async (bytes: Uint8Array, ...parts: string[]) => {
    const err = await formatError(openBytes(bytes), FILE);
    for (const p of parts) expect(err.message).toContain(p);
  };

  it("reads the hand-made file these cases start from", async () => {
    const file = await openBytes(simple());
    expect(file.archive).toBe("archive");
    expect([...(await file.tensors().get("w")!.readF32())]).toEqual([1, 2, 3, 4]);
  });

  it("bounds the pickle's size before reading it", async () => {
    const err = await formatError(
      openTorchFile(bytesByteSource(simple(), FILE), { pickleLimits: { maxBytes: 100 } }),
      FILE,
    );
    expect(err.message).toMatch(/archive\/data.pkl is \d+ bytes, over the 100-byte limit/);
  });

  it("refuses a storage that claims more elements than its entry holds", () =>
    fails(
      simple({ numel: 2 ** 40 }),
      'archive/data.pkl: storage "0" claims 1099511627776 F32 elements (4398046511104 bytes), ' +
        "but archive/data/0 holds 16 bytes",
    ));

  it("refuses a tensor that runs past its storage", async () => {
    await fails(
      simple({ shape: [2, 3] }),
      "shape [2, 3], stride [3, 1] at offset 0 needs 6 elements",
      'storage "0", which has 4',
    );
    await fails(simple({ offset: 3, shape: [2] }), "at offset 3 needs 5 elements");
    await fails(simple({ shape: [2, 2], stride: [1, 3] }), "needs 5 elements");
  });

  it("refuses missing storages, unknown storage types and bad persistent ids", async () => {
    await fails(simple({ key: "7" }), 'storage "7" has no entry archive/data/7 in the zip');
    await fails(
      simple({ storageType: "ComplexFloatStorage" }),
      'storage "0" has type the global torch.ComplexFloatStorage; expected one of torch.FloatStorage',
    );
    const pid = new PickleWriter().proto().mark().str("module").str("x").tuple().persid().stop();
    await fails(
      torchZip(pid.finish(), {}),
      "persistent id is a list or tuple of 2; expected ('storage'",
    );
  });

  it("reads storages named by a dtype or as untyped bytes", async () => {
    const file = await openBytes(
      torchZip(
        tensorDictPickle({
          a: { key: "0", numel: 4, shape: [2, 2], storageType: "float32" },
          b: { key: "0", numel: 16, shape: [4], storageType: "UntypedStorage" },
        }),
        { "0": f32Bytes([1, 2, 3, 4]) },
      ),
    );
    const t = file.tensors();
    expect([...(await t.get("a")!.readF32())]).toEqual([1, 2, 3, 4]);
    expect(t.get("b")!.dtype).toBe("U8");
    expect([...(await t.get("b")!.readNumbers())]).toEqual([0, 0, 128, 63]);
  });

  it("refuses a big-endian file and accepts a little-endian one", async () => {
    const order = (s: string) => [{ name: "archive/byteorder", data: new TextEncoder().encode(s) }];
    const pickle = tensorDictPickle({ w: { key: "0", numel: 1, shape: [1] } });
    await fails(
      torchZip(pickle, { "0": f32Bytes([1]) }, order("big")),
      'archive/byteorder says "big"',
    );
    const file = await openBytes(torchZip(pickle, { "0": f32Bytes([1]) }, order("little")));
    expect([...(await file.tensors().get("w")!.readF32())]).toEqual([1]);
  });

  it("refuses zips that are not torch files, and bare pickles", async () => {
    await fails(
      buildZip([{ name: "x.txt", data: new Uint8Array(1) }]),
      "without an <archive>/data.pkl entry",
      '"x.txt"',
    );
    await fails(
      new PickleWriter().proto().none().stop().finish(),
      "is a bare pickle, not a torch.save zip",
    );
  });

  it("checks the CRC of the pickle and of storages read whole", async () => {
    const bytes = simple();
    const bad = buildZip([
      {
        name: "archive/data.pkl",
        data: tensorDictPickle({ w: { key: "0", numel: 4, shape: [4] } }),
      },
      { name: "archive/data/0", data: f32Bytes([1, 2, 3, 4]), crc: 12345 },
    ]);
    const file = await openBytes(bad);
    const err = await formatError(file.tensors().get("w")!.readF32(), FILE);
    expect(err.message).toContain('zip entry "archive/data/0": CRC-32 mismatch');
    const i = bytes.indexOf(0x80, 30); // the pickle's first byte
    bytes[i + 1] = 3; // protocol 2 -> 3: same length, wrong CRC
    await fails(bytes, 'zip entry "archive/data.pkl": CRC-32 mismatch');
  });

  it("reads a deflated storage (a re-zipped file)", async () => {
    const values = Array.from({ length: 1000 }, (_, i) => i / 8);
    const file = await openBytes(
      buildZip([
        {
          name: "a/data.pkl",
          data: tensorDictPickle({
            w: { key: "0", numel: 1000, offset: 10, shape: [5], stride: [100] },
          }),
        },
        { name: "a/data/0", data: f32Bytes(values), deflate: true },
      ]),
    );
    expect([...(await file.tensors().get("w")!.readF32())]).toEqual(
      [10, 110, 210, 310, 410].map((i) => values[i]),
    );
  });

  it("keeps an unknown global intact next to the tensors, executing nothing", async () => {
    const p = new PickleWriter().proto().emptyDict();
    p.str("cfg").global("os", "system").mark().str("echo pwned").tuple().reduce().setitem();
    pickleTensor(p.str("w"), { key: "0", numel: 4, shape: [4] }).setitem();
    const file = await openBytes(torchZip(p.stop().finish(), { "0": f32Bytes([1, 2, 3, 4]) }));
    const cfg = (file.root as PickleDict).get("cfg") as InertObject;
    expect([cfg.className, cfg.args, cfg.state]).toEqual(["os.system", ["echo pwned"], undefined]);
    expect([...file.tensors().keys()]).toEqual(["w"]);
  });

  it("refuses readF32 of integers and int64 values beyond 2^53", async () => {
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigInt64(0, 2n ** 60n, true);
    new DataView(big.buffer).setBigInt64(8, 5n, true);
    const file = await openBytes(
      torchZip(
        tensorDictPickle({ k: { key: "0", numel: 2, shape: [2], storageType: "LongStorage" } }),
        { "0": big },
      ),
    );
    const k: TorchTensor = file.tensors().get("k")!;
    const e1 = await formatError(k.readF32(), FILE);
    expect(e1.message).toContain(
      'tensor in storage "archive/data/0" holds I64 values; readF32 reads float tensors',
    );
    const e2 = await formatError(k.readNumbers(), FILE);
    expect(e2.message).toContain("int64 value 1152921504606846976 is beyond ±2^53");
  });
});
