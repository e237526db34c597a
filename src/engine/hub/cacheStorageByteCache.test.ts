import { describe, expect, it } from "vitest";
import { cacheStorageByteCache, type CacheStorageLike } from "./cacheStorageByteCache.ts";

/** Cache Storage as browsers keep it: bodies stored at `put`, a fresh Response per match. */
function fakeCaches() {
  const opened: string[] = [];
  const entries = new Map<string, Uint8Array<ArrayBuffer>>();
  const storage: CacheStorageLike = {
    open(name) {
      opened.push(name);
      return Promise.resolve({
        match: (url) => {
          const body = entries.get(`${name} ${url}`);
          return Promise.resolve(body === undefined ? undefined : new Response(body));
        },
        async put(url, response) {
          if (!/^https?:\/\//.test(url))
            throw new TypeError(`Request scheme of ${url} is unsupported`);
          entries.set(`${name} ${url}`, new Uint8Array(await response.arrayBuffer()));
        },
      });
    },
  };
  return { storage, opened, entries };
}

describe("cacheStorageByteCache", () => {
  it("stores bytes under http keys in the named cache, opened once on first use", async () => {
    const { storage, opened, entries } = fakeCaches();
    const cache = cacheStorageByteCache("hub-test", storage);
    expect(opened).toEqual([]);
    const keyA = 'chunk:4096:9000:"abc":https://huggingface.co/o/r/resolve/main/a b.bin#0';
    const keyB = keyA.replace("#0", "#1");
    await cache.put(keyA, Uint8Array.from([1, 2, 3]));
    await cache.put(keyB, Uint8Array.from([4, 5]));
    expect(Array.from((await cache.get(keyA)) ?? [])).toEqual([1, 2, 3]);
    expect(Array.from((await cache.get(keyB)) ?? [])).toEqual([4, 5]);
    expect(await cache.get("chunk:missing")).toBeUndefined();
    expect(opened).toEqual(["hub-test"]);
    expect([...entries.keys()]).toEqual([
      `hub-test https://transcoder-playground.invalid/hub-cache/${encodeURIComponent(keyA)}`,
      `hub-test https://transcoder-playground.invalid/hub-cache/${encodeURIComponent(keyB)}`,
    ]);
  });
});
