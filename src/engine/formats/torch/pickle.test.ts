import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { unpickle, type UnpickleLimits } from "./pickle.ts";
import {
  InertObject,
  isInertObject,
  objectField,
  PickleDict,
  type PickleValue,
} from "./pickleValue.ts";
import { formatError, PickleWriter } from "./testing.ts";

const FILE = "test.pkl";
const load = (bytes: Uint8Array, limits?: Partial<UnpickleLimits>) =>
  unpickle(bytes, { file: FILE, entry: "archive/data.pkl", limits });

/** Plain data for toEqual: dicts as objects, inert objects as {className, args, state}. */
function plain(v: PickleValue | undefined): unknown {
  if (v instanceof PickleDict)
    return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof InertObject) {
    return { className: v.className, args: v.args?.map(plain) ?? null, state: plain(v.state) };
  }
  if (v instanceof Uint8Array) return { bytes: [...v] };
  return v;
}

describe("unpickle: Python's own pickles, protocols 1 to 5", () => {
  for (const protocol of [1, 2, 3, 4, 5]) {
    it(`reads protocol ${protocol}`, () => {
      const root = load(readFileSync(`test/fixtures/pickles/nested_p${protocol}.pkl`));
      expect(root).toBeInstanceOf(PickleDict);
      const d = root as PickleDict;
      // Sets are arrays from protocol 4's set opcodes, calls of builtins.set before that.
      const set = (className: string, items: number[]) =>
        protocol >= 4 ? items : { className, args: [items], state: undefined };
      expect(plain(d)).toEqual({
        ints: [
          0,
          1,
          -1,
          255,
          256,
          65535,
          65536,
          -(2 ** 31),
          2 ** 31 - 1,
          2 ** 31,
          2n ** 63n,
          -(2n ** 63n) - 1n,
        ],
        floats: [0, -0, 1.5, -2.25e-300, 1e300],
        strings: ["", "a", "é✓", "x".repeat(300)],
        bytes: [{ bytes: [] }, { bytes: [0, 1, 255] }],
        tuples: [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4]],
        consts: [null, true, false],
        od: { z: 1, y: [2] },
        set: set("builtins.set", [5]),
        frozenset: set("builtins.frozenset", [6]),
        shared: [
          { z: 1, y: [2] },
          { z: 1, y: [2] },
        ],
      });
      expect(Object.is((d.get("floats") as number[])[1], -0)).toBe(true);
      // The memo gives back the same object, as Python shares it.
      const shared = d.get("shared") as PickleValue[];
      expect(shared[0]).toBe(d.get("od"));
      expect(shared[1]).toBe(d.get("od"));
      expect([...(d.get("od") as PickleDict).keys()]).toEqual(["z", "y"]);
    });
  }
});

describe("unpickle: objects stay inert", () => {
  it("keeps an unknown global's call as a record and runs nothing", () => {
    const bytes = new PickleWriter()
      .proto()
      .global("os", "system")
      .mark()
      .str("rm -rf /")
      .tuple()
      .reduce()
      .stop()
      .finish();
    const v = load(bytes);
    expect(isInertObject(v)).toBe(true);
    expect(plain(v)).toEqual({ className: "os.system", args: ["rm -rf /"], state: undefined });
  });

  it("keeps NEWOBJ + BUILD state, SETITEMS and APPENDS, readable with objectField", () => {
    const p = new PickleWriter().proto().global("sae_training.config", "Cfg").emptyTuple().newobj();
    p.emptyDict().str("hook_point").str("blocks.0.hook_mlp_out").setitem();
    p.str("d_sae").int(8).setitem().build();
    p.str("extra").int(1).setitem(); // a dict subclass's item
    p.int(7).append(); // a list subclass's item
    const v = load(p.stop().finish()) as InertObject;
    expect(v.className).toBe("sae_training.config.Cfg");
    expect(v.args).toEqual([]);
    expect(v.isGlobal).toBe(false);
    expect(objectField(v, "hook_point")).toBe("blocks.0.hook_mlp_out");
    expect(objectField(v, "d_sae")).toBe(8);
    expect(objectField(v, "extra")).toBe(1);
    expect(objectField(v, "nope")).toBeUndefined();
    expect(v.items).toEqual([7]);
  });

  it("finds fields in __slots__ state and in a single dict argument", () => {
    const slots = new PickleWriter().proto().global("m", "Slotted").emptyTuple().newobj();
    slots.mark().none().emptyDict().str("a").int(1).setitem().tuple().build();
    expect(objectField(load(slots.stop().finish()) as InertObject, "a")).toBe(1);
    const kw = new PickleWriter().proto().global("types", "SimpleNamespace").mark();
    kw.emptyDict().str("b").int(2).setitem().tuple().reduce();
    expect(objectField(load(kw.stop().finish()) as InertObject, "b")).toBe(2);
  });

  it("keeps a bare global (torch.float32) as a record with no arguments", () => {
    const v = load(new PickleWriter().proto().global("torch", "float32").stop().finish());
    expect(v).toBeInstanceOf(InertObject);
    expect((v as InertObject).isGlobal).toBe(true);
    expect((v as InertObject).className).toBe("torch.float32");
  });

  it("refuses to call what is not a global", async () => {
    const bytes = new PickleWriter().proto().str("x").emptyTuple().reduce().stop().finish();
    const err = await formatError(() => load(bytes), FILE);
    expect(err.message).toContain(
      'REDUCE calls the string "x"; only a class or function named by a global can be called',
    );
  });
});

describe("unpickle: bad input", () => {
  const fails = async (bytes: Uint8Array, message: string, limits?: Partial<UnpickleLimits>) => {
    const err = await formatError(() => load(bytes, limits), FILE);
    expect(err.message).toContain("archive/data.pkl: at byte ");
    expect(err.message).toContain(message);
    return err;
  };

  it("refuses nesting deeper than the limit (10,000 nested lists)", async () => {
    const p = new PickleWriter().proto();
    for (let i = 0; i < 10_000; i++) p.emptyList();
    for (let i = 1; i < 10_000; i++) p.append();
    await fails(p.stop().finish(), "containers nested more than 100 deep");
    const ok = new PickleWriter().proto();
    for (let i = 0; i < 100; i++) ok.emptyList();
    for (let i = 1; i < 100; i++) ok.append();
    let v = load(ok.stop().finish());
    for (let depth = 1; depth < 100; depth++) v = (v as PickleValue[])[0] as PickleValue;
    expect(v).toEqual([]);
  });

  it("refuses deep nesting built through shared (memoized) containers", async () => {
    // Each list holds the previous one twice: 150 levels deep, 2^150 paths.
    const p = new PickleWriter().proto().emptyList().put(0);
    for (let i = 1; i < 150; i++) {
      p.emptyList()
        .get(i - 1)
        .append()
        .get(i - 1)
        .append()
        .put(i);
    }
    await fails(p.stop().finish(), "containers nested more than 100 deep");
  });

  it("refuses a container that contains itself", async () => {
    const p = new PickleWriter().proto().emptyList().put(0).get(0).append().stop();
    await fails(p.finish(), "a container contains itself");
  });

  it("refuses unknown and unsupported opcodes, and newer protocols", async () => {
    await fails(new PickleWriter().proto().op(0xff).finish(), "unknown opcode 0xff");
    await fails(
      new PickleWriter()
        .op(0x46, ...new TextEncoder().encode("1.5\n"))
        .stop()
        .finish(),
      "opcode 0x46 FLOAT (protocol 0 text) is not supported",
    );
    await fails(new PickleWriter().proto(6).finish(), "pickle protocol 6 is newer than 5");
  });

  it("refuses a truncated pickle", async () => {
    const bytes = readFileSync("test/fixtures/pickles/nested_p2.pkl");
    await fails(bytes.subarray(0, bytes.length - 1), "ends without a STOP opcode; it is truncated");
    const cut = bytes.subarray(0, bytes.indexOf(0x58) + 3); // inside a BINUNICODE length
    await fails(cut, "runs past the end");
    const huge = new PickleWriter().proto().op(0x58, 0xff, 0xff, 0xff, 0xff, 0x61).stop();
    await fails(huge.finish(), "a string of 4294967295 bytes runs past the end of the");
  });

  it("refuses broken stacks, memo and keys", async () => {
    await fails(new PickleWriter().proto().append().stop().finish(), "APPEND needs more values");
    await fails(new PickleWriter().proto().get(5).stop().finish(), "memo key 5 was never stored");
    await fails(new PickleWriter().proto().op(0x65).finish(), "APPENDS without a MARK");
    const key = new PickleWriter().proto().emptyDict().emptyTuple().int(1).setitem().stop();
    await fails(key.finish(), "dict key (a list or tuple of 0) is not supported");
    const persid = new PickleWriter().proto().str("x").persid().stop();
    await fails(
      persid.finish(),
      "persistent id (BINPERSID) in a pickle that is not inside a torch file",
    );
  });

  it("bounds pickle size, values and container length", async () => {
    const list = new PickleWriter().proto().emptyList().mark();
    for (let i = 0; i < 11; i++) list.int(i);
    const bytes = list.op(0x65).stop().finish();
    expect(load(bytes, { maxContainerLength: 11 })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await fails(bytes, "container of 11 items exceeds the limit of 10", { maxContainerLength: 10 });
    await fails(bytes, "more than 5 values", { maxValues: 5 });
    const err = await formatError(() => load(bytes, { maxBytes: 20 }), FILE);
    expect(err.message).toContain(`pickle of ${bytes.length} bytes exceeds the 20-byte limit`);
  });
});
