import { fetchRange } from "./fetchRange.ts";
import type { HubCache, RemoteFile } from "./hubCache.ts";
import type { HubRequest } from "./hubHttp.ts";
import type { RetryPolicy } from "./retry.ts";

export interface ChunkedFile {
  req: HubRequest;
  policy: RetryPolicy;
  cache: HubCache;
  remote: RemoteFile;
}

/** Serves cached chunks and fetches each run of missing ones with one request. */
export async function readChunked(
  f: ChunkedFile,
  offset: number,
  length: number,
  deliver: (pos: number, bytes: Uint8Array) => void,
): Promise<void> {
  const size = f.cache.chunkSize;
  const first = Math.floor(offset / size);
  const last = Math.floor((offset + length - 1) / size);
  let missingFrom = -1;
  for (let i = first; i <= last; i++) {
    f.policy.signal?.throwIfAborted();
    const hit = await f.cache.getChunk(f.remote, i);
    if (hit === undefined) {
      if (missingFrom < 0) missingFrom = i;
      continue;
    }
    if (missingFrom >= 0) await fetchChunks(f, missingFrom, i, deliver);
    missingFrom = -1;
    deliver(i * size, hit);
  }
  if (missingFrom >= 0) await fetchChunks(f, missingFrom, last + 1, deliver);
}

/** Chunks [first, end): delivered as they arrive, cached as each one completes. */
async function fetchChunks(
  f: ChunkedFile,
  first: number,
  end: number,
  deliver: (pos: number, bytes: Uint8Array) => void,
): Promise<void> {
  const size = f.cache.chunkSize;
  let index = first;
  let chunk: Uint8Array<ArrayBuffer> | undefined;
  let filled = 0;
  const start = first * size;
  const stop = Math.min(end * size, f.remote.size);
  await fetchRange(f.req, f.policy, f.remote, start, stop, async (pos, bytes) => {
    deliver(pos, bytes);
    for (let at = 0; at < bytes.byteLength;) {
      chunk ??= new Uint8Array(f.cache.chunkLength(f.remote, index));
      const n = Math.min(chunk.byteLength - filled, bytes.byteLength - at);
      chunk.set(bytes.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === chunk.byteLength) {
        await f.cache.putChunk(f.remote, index++, chunk);
        chunk = undefined;
        filled = 0;
      }
    }
  });
}
