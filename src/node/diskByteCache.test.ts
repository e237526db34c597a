import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMockHub, type MockHub } from "../../test/mockHub.ts";
import { hubByteSource } from "../engine/hub/hubByteSource.ts";
import { hubFile } from "../engine/hub/hubLocation.ts";
import { defaultHubCacheDir, diskByteCache } from "./diskByteCache.ts";

let dir = "";
let hub: MockHub;
const BYTES = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) % 256);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "disk-byte-cache-"));
  await mkdir(join(dir, "hub/org/repo"), { recursive: true });
  await writeFile(join(dir, "hub/org/repo/data.bin"), BYTES);
  hub = await startMockHub(join(dir, "hub"));
});
afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

describe("diskByteCache", () => {
  it("keeps entries in files named by the key's hash, with no temporary files left", async () => {
    const cache = diskByteCache(join(dir, "cache-a"));
    expect(await cache.get("k1")).toBeUndefined();
    await cache.put("k1", Uint8Array.from([1, 2, 3]));
    await cache.put("k2", Uint8Array.from([4]));
    await cache.put("k1", Uint8Array.from([5, 6]));
    expect(Array.from((await cache.get("k1")) ?? [])).toEqual([5, 6]);
    expect(Array.from((await cache.get("k2")) ?? [])).toEqual([4]);
    const files = await readdir(join(dir, "cache-a"));
    expect(files).toHaveLength(2);
    expect(files.every((f) => /^[0-9a-f]{64}$/.test(f))).toBe(true);
  });

  it("serves a second load of a Hub file from disk, with the Hub offline", async () => {
    const file = hubFile("org/repo", "data.bin");
    const options = {
      endpoint: hub.url,
      chunkSize: 1024,
      cache: diskByteCache(join(dir, "cache-b")),
    };
    const first = await hubByteSource(file, options);
    expect(Array.from(await first.read(1000, 3000))).toEqual(
      Array.from(BYTES.subarray(1000, 4000)),
    );
    hub.reset();
    hub.switches.offline = true;
    const second = await hubByteSource(file, {
      ...options,
      cache: diskByteCache(join(dir, "cache-b")),
    });
    expect(Array.from(await second.read(1024, 2900))).toEqual(
      Array.from(BYTES.subarray(1024, 3924)),
    );
    expect(hub.requests).toHaveLength(0);
  });

  it("defaults to the XDG cache folder", () => {
    vi.stubEnv("XDG_CACHE_HOME", "/var/cache/me");
    try {
      expect(defaultHubCacheDir()).toBe("/var/cache/me/transcoder-playground/hub");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
