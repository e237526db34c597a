import { checkRange, type ByteSource } from "../formats/byteSource.ts";
import type { ByteCache } from "./byteCache.ts";
import { readChunked } from "./chunkedRead.ts";
import { fetchRange } from "./fetchRange.ts";
import { HubCache } from "./hubCache.ts";
import { HubError } from "./hubError.ts";
import type { HubRequest } from "./hubHttp.ts";
import { DEFAULT_ENDPOINT, resolveUrl, type HubFile } from "./hubLocation.ts";
import { probeFile, type ProbedFile } from "./probe.ts";
import type { RetryPolicy } from "./retry.ts";

/** Large enough that a request's overhead is small, small enough to resume cheaply. */
export const DEFAULT_CHUNK_SIZE = 4 << 20;

export interface HubSourceOptions {
  /** The Hub's base URL; default https://huggingface.co. */
  endpoint?: string;
  /** A Hugging Face access token, for private and gated repos. */
  token?: string;
  /** Aborts the probe and every read of the source. */
  signal?: AbortSignal;
  /** Bytes returned by `read` so far, cache hits included, and the file size. */
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /**
   * Keeps the size, ETag and bytes read, in `chunkSize`-aligned chunks: a second load
   * makes no request, works offline, and an interrupted one resumes from the chunks it
   * got. Without a cache each read fetches exactly its bytes.
   */
  cache?: ByteCache;
  /**
   * Asks the Hub for the file's size and ETag even when the cache has them (a branch
   * may have moved); falls back to the cached ones when the Hub cannot be reached.
   */
  revalidate?: boolean;
  chunkSize?: number;
  /** Failed attempts in a row, without progress, before a request gives up; default 3. */
  maxRetries?: number;
  /** Before the first retry, doubling after each; default 500 ms. */
  retryDelayMs?: number;
}

export interface HubByteSource extends ByteSource {
  readonly file: HubFile;
  /** The `resolve` URL. */
  readonly url: string;
  readonly etag: string | null;
  /** Why the cache stopped being used (e.g. its quota is full), or undefined. */
  readonly cacheError: unknown;
}

/** Opens a Hub file for random access over HTTP Range requests; only the size is fetched. */
export async function hubByteSource(
  file: HubFile,
  options: HubSourceOptions = {},
): Promise<HubByteSource> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const url = resolveUrl(file, options.endpoint ?? DEFAULT_ENDPOINT);
  const req: HubRequest = { file, url, token: options.token, signal };
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 500,
    signal,
  };
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(`hubByteSource: chunkSize must be a positive integer, not ${chunkSize}`);
  }
  const cache = options.cache && new HubCache(options.cache, url, chunkSize);
  const remote = await openRemote(req, policy, cache, options.revalidate ?? false);
  const { whole } = remote;
  if (whole !== undefined) await cache?.putWhole(remote, whole);

  let loaded = 0;
  const name =
    file.revision === "main"
      ? `${file.repo}/${file.path}`
      : `${file.repo}@${file.revision}/${file.path}`;
  const src: HubByteSource = {
    name,
    size: remote.size,
    file,
    url,
    etag: remote.etag,
    get cacheError() {
      return cache?.error;
    },
    async read(offset, length) {
      checkRange(src, offset, length);
      signal?.throwIfAborted();
      const out = new Uint8Array(length);
      if (length === 0) return out;
      const deliver = (pos: number, bytes: Uint8Array) => {
        const n = copyOverlap(out, offset, pos, bytes);
        if (n === 0) return;
        loaded += n;
        onProgress?.(loaded, remote.size);
      };
      if (whole !== undefined) {
        deliver(0, whole);
      } else if (cache !== undefined) {
        await readChunked({ req, policy, cache, remote }, offset, length, deliver);
      } else {
        await fetchRange(req, policy, remote, offset, offset + length, deliver);
      }
      return out;
    },
  };
  onProgress?.(0, remote.size);
  return src;
}

/** The cached size and ETag unless `revalidate`, else (or when absent) a probe. */
async function openRemote(
  req: HubRequest,
  policy: RetryPolicy,
  cache: HubCache | undefined,
  revalidate: boolean,
): Promise<ProbedFile> {
  const cached = await cache?.loadRemote();
  if (cached !== undefined && !revalidate) return { ...cached, whole: undefined };
  try {
    const probed = await probeFile(req, policy);
    await cache?.saveRemote(probed);
    return probed;
  } catch (e) {
    if (cached !== undefined && e instanceof HubError && e.retryable) {
      return { ...cached, whole: undefined };
    }
    throw e;
  }
}

/** Copies the part of `bytes` (file position `pos`) inside `out` (file position `outStart`). */
function copyOverlap(out: Uint8Array, outStart: number, pos: number, bytes: Uint8Array): number {
  const from = Math.max(pos, outStart);
  const to = Math.min(pos + bytes.byteLength, outStart + out.byteLength);
  if (to <= from) return 0;
  out.set(bytes.subarray(from - pos, to - pos), from - outStart);
  return to - from;
}
