import type { ByteCache } from "./byteCache.ts";

/** The part of the Cache Storage API we use (`caches` in a Window or a Worker). */
export interface CacheStorageLike {
  open(name: string): Promise<{
    match(request: string): Promise<Response | undefined>;
    put(request: string, response: Response): Promise<void>;
  }>;
}

// Cache Storage rather than OPFS: `cache.put` commits an entry atomically, so a tab
// closed mid-download never leaves a half-written chunk; it takes no exclusive locks,
// whereas OPFS sync access handles lock a file against other tabs' workers; and it
// behaves the same in a Window and a Worker in every engine, while OPFS writes need
// `createSyncAccessHandle` (Worker only) or `createWritable` (missing in older Safari).
const KEY_PREFIX = "https://transcoder-playground.invalid/hub-cache/";

/** A ByteCache in the browser's Cache Storage, under the cache named `name`. */
export function cacheStorageByteCache(
  name = "transcoder-playground-hub",
  storage: CacheStorageLike = caches,
): ByteCache {
  let opened: ReturnType<CacheStorageLike["open"]> | undefined;
  const cache = () => (opened ??= storage.open(name));
  // Entries need http(s) URLs as keys; the .invalid host never resolves.
  const request = (key: string) => KEY_PREFIX + encodeURIComponent(key);
  return {
    async get(key) {
      const res = await (await cache()).match(request(key));
      return res === undefined ? undefined : new Uint8Array(await res.arrayBuffer());
    },
    async put(key, bytes) {
      await (await cache()).put(request(key), new Response(bytes));
    },
  };
}
