/**
 * A persistent key -> bytes store for downloaded pieces of Hub files. An entry is
 * written whole or not at all. `put` takes ownership of `bytes`; what `get` returns
 * must not be modified.
 */
export interface ByteCache {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, bytes: Uint8Array<ArrayBuffer>): Promise<void>;
}

/** Lives as long as the page or process: for tests and for one session's reloads. */
export function memoryByteCache(): ByteCache & { readonly size: number } {
  const entries = new Map<string, Uint8Array>();
  return {
    get: (key) => Promise.resolve(entries.get(key)),
    put(key, bytes) {
      entries.set(key, bytes);
      return Promise.resolve();
    },
    get size() {
      return entries.size;
    },
  };
}
