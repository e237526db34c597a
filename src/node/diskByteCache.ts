/** A ByteCache in a folder on disk, for the command line's Hub downloads. */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ByteCache } from "../engine/hub/byteCache.ts";

/** `$XDG_CACHE_HOME/transcoder-playground/hub`, by default under `~/.cache`. */
export function defaultHubCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "transcoder-playground", "hub");
}

/**
 * One file per entry, named by the SHA-256 of its key. Entries are written to a
 * temporary file and renamed into place, so a killed process leaves no partial entry.
 */
export function diskByteCache(dir = defaultHubCacheDir()): ByteCache {
  const entry = (key: string) => join(dir, createHash("sha256").update(key).digest("hex"));
  return {
    async get(key) {
      try {
        const buf = await readFile(entry(key));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },
    async put(key, bytes) {
      await mkdir(dir, { recursive: true });
      const file = entry(key);
      const tmp = `${file}.${randomUUID()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, file);
    },
  };
}
