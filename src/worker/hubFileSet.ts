import type { ByteSource } from "../engine/formats/byteSource.ts";
import type { FileSet } from "../engine/formats/fileSet.ts";
import type { ByteCache } from "../engine/hub/byteCache.ts";
import { cacheStorageByteCache } from "../engine/hub/cacheStorageByteCache.ts";
import { hubByteSource } from "../engine/hub/hubByteSource.ts";
import { HubError } from "../engine/hub/hubError.ts";
import { errorText } from "../engine/hub/hubHttp.ts";
import { DEFAULT_ENDPOINT, DEFAULT_REVISION, hubFile } from "../engine/hub/hubLocation.ts";
import type { LoadProgress } from "./loadProgress.ts";
import type { HubLoadSource } from "./protocol.ts";

/**
 * The Hub has no folder listing we can read without its API, so a folder is probed for the
 * file names of each format the recogniser knows.
 */
export const HUB_FOLDER_FILES = [
  "cfg.json",
  "sae_weights.safetensors",
  "sparsity.safetensors",
  "sae.safetensors",
  "config.json",
  "params.safetensors",
  "model.safetensors",
  "hyperparams.json",
];

/** The browser's Cache Storage, or none where the worker has no `caches` (insecure origins). */
function openCache(): ByteCache | undefined {
  try {
    return typeof caches === "undefined" ? undefined : cacheStorageByteCache();
  } catch {
    return undefined;
  }
}

let browserCache: ByteCache | undefined | null = null;
function hubCache(): ByteCache | undefined {
  if (browserCache === null) browserCache = openCache();
  return browserCache;
}

/**
 * Which files a location turned out to hold, kept beside the bytes: a second load of a folder
 * then makes no request, not even the 404s of the names it does not have.
 */
async function cachedListing(
  cache: ByteCache | undefined,
  key: string,
): Promise<string[] | undefined> {
  try {
    const bytes = await cache?.get(key);
    if (bytes === undefined) return undefined;
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
  } catch {
    return undefined;
  }
}

async function saveListing(
  cache: ByteCache | undefined,
  key: string,
  paths: string[],
): Promise<void> {
  try {
    await cache?.put(key, new TextEncoder().encode(JSON.stringify(paths)));
  } catch {
    // The cache only speeds loads up.
  }
}

/**
 * The file or folder at a Hub location as a FileSet whose sources read with HTTP Range
 * requests (cached, resumable) and report their bytes to `progress`.
 */
export async function hubFileSet(
  source: HubLoadSource,
  progress: LoadProgress,
  signal: AbortSignal,
  cache: ByteCache | undefined = hubCache(),
): Promise<FileSet> {
  const endpoint = source.endpoint ?? DEFAULT_ENDPOINT;
  const revision = source.revision ?? DEFAULT_REVISION;
  const base = source.path.replace(/\/+$/, "");
  const kind = base === "" ? "folder" : (source.pathKind ?? "unknown");
  const open = (path: string) =>
    hubByteSource(hubFile(source.repo, path, revision), {
      endpoint,
      signal,
      cache,
      onProgress: (loaded) => progress.set(path, loaded),
    });
  const name = base === "" ? source.repo : `${source.repo}/${base}`;
  const fileSet = (entries: [string, ByteSource][]): FileSet => ({
    name,
    // Paths relative to the location, as a dropped folder's would be.
    files: new Map(entries.map(([p, src]) => [relative(base, p), src])),
  });

  const listingKey = `listing:${endpoint}/${source.repo}@${revision}/${base}`;
  const listed = await cachedListing(cache, listingKey);
  if (listed !== undefined) {
    return fileSet(
      await Promise.all(listed.map(async (p) => [p, await open(p)] as [string, ByteSource])),
    );
  }

  if (kind !== "folder") {
    try {
      const src = await open(base);
      await saveListing(cache, listingKey, [base]);
      return fileSet([[base, src]]);
    } catch (e) {
      if (kind === "file" || !(e instanceof HubError && e.code === "not-found")) throw e;
    }
  }
  const found = await probeFolder(base, open, `${name} (revision ${revision}) on ${endpoint}`);
  if (found.length === 0) {
    const where = `${name} (revision ${revision})`;
    throw new HubError(
      "not-found",
      `not found on the Hub: ${where}: no such file, and no folder there with any of ` +
        HUB_FOLDER_FILES.join(", "),
    );
  }
  await saveListing(
    cache,
    listingKey,
    found.map(([p]) => p),
  );
  return fileSet(found);
}

/** The known file names that exist in the folder, opened; any error but a 404 is thrown. */
async function probeFolder(
  folder: string,
  open: (path: string) => Promise<ByteSource>,
  where: string,
): Promise<[string, ByteSource][]> {
  const paths = HUB_FOLDER_FILES.map((n) => (folder === "" ? n : `${folder}/${n}`));
  const results = await Promise.allSettled(paths.map(open));
  const found: [string, ByteSource][] = [];
  for (const [i, r] of results.entries()) {
    if (r.status === "fulfilled") found.push([paths[i]!, r.value]);
    else if (r.reason instanceof HubError && r.reason.code === "network") {
      // Not a fact about the first probed name (cfg.json), which the repo may never have held.
      let why: unknown = r.reason;
      while (why instanceof HubError && why.cause !== undefined) why = why.cause;
      throw new HubError(
        "network",
        `${where}: could not reach the Hugging Face Hub (${errorText(why)}); check the ` +
          "connection: what was loaded before loads offline from the cache",
        { cause: r.reason },
      );
    } else if (!(r.reason instanceof HubError && r.reason.code === "not-found")) throw r.reason;
  }
  return found;
}

function relative(base: string, path: string): string {
  if (path === base) return path.slice(path.lastIndexOf("/") + 1);
  return base === "" ? path : path.slice(base.length + 1);
}
