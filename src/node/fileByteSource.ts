/** A ByteSource over a file on disk: reads at offsets, never the whole file. */
import { open, type FileHandle } from "node:fs/promises";
import { checkRange, type ByteSource } from "../engine/formats/byteSource.ts";
import { FormatError } from "../engine/formats/formatError.ts";

export type FileByteSource = ByteSource & { close(): Promise<void> };

export async function openFileByteSource(path: string): Promise<FileByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (e) {
    throw fileError(path, e);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new FormatError(path, "is a folder; expected a file");
    const src: FileByteSource = {
      name: path,
      size: stat.size,
      async read(offset, length) {
        checkRange(src, offset, length);
        const out = new Uint8Array(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(out, done, length - done, offset + done);
          if (bytesRead === 0) {
            throw new FormatError(
              path,
              `file ended at byte ${offset + done} while reading ${length} bytes at ${offset}; it may have changed`,
            );
          }
          done += bytesRead;
        }
        return out;
      },
      close: () => handle.close(),
    };
    return src;
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** FormatError for the usual reasons a file cannot be opened; other errors unchanged. */
export function fileError(path: string, e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const cause = { cause: e };
  if (code === "ENOENT") return new FormatError(path, "file not found", undefined, cause);
  if (code === "EACCES" || code === "EPERM") {
    return new FormatError(path, "permission denied", undefined, cause);
  }
  if (code === "EISDIR")
    return new FormatError(path, "is a folder; expected a file", undefined, cause);
  return e;
}
