import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormatError } from "../engine/formats/formatError.ts";
import { openSafetensors, writeSafetensors } from "../engine/formats/safetensors.ts";
import { openFileByteSource } from "./fileByteSource.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "file-byte-source-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("openFileByteSource", () => {
  it("reads ranges at offsets", async () => {
    const path = join(dir, "bytes.bin");
    await writeFile(
      path,
      Uint8Array.from({ length: 300 }, (_, i) => i % 256),
    );
    const src = await openFileByteSource(path);
    try {
      expect(src.name).toBe(path);
      expect(src.size).toBe(300);
      expect(Array.from(await src.read(254, 4))).toEqual([254, 255, 0, 1]);
      expect((await src.read(300, 0)).length).toBe(0);
      await expect(src.read(298, 3)).rejects.toThrow(
        `${path}: cannot read 3 bytes at offset 298 of a 300-byte file`,
      );
    } finally {
      await src.close();
    }
  });

  it("serves safetensors slices from disk", async () => {
    const path = join(dir, "acts.safetensors");
    const data = Float32Array.from({ length: 40 }, (_, i) => i - 20);
    await writeFile(path, writeSafetensors([{ name: "x", dtype: "F32", shape: [10, 4], data }]));
    const src = await openFileByteSource(path);
    try {
      const f = await openSafetensors(src);
      expect(f.name).toBe(path);
      expect(Array.from(await f.readF32("x", 7, 2))).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    } finally {
      await src.close();
    }
  });

  it("reports a missing file and a folder as FormatErrors", async () => {
    const missing = join(dir, "nope.safetensors");
    const e = await openFileByteSource(missing).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FormatError);
    expect((e as Error).message).toBe(`${missing}: file not found`);
    await expect(openFileByteSource(dir)).rejects.toThrow(`${dir}: is a folder; expected a file`);
  });
});
