/** Paths on disk as a FileSet: a file by its name, a folder's files by their relative paths. */
import { readdir, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import type { FileSet } from "../engine/formats/fileSet.ts";
import { FormatError } from "../engine/formats/formatError.ts";
import { openFileByteSource, type FileByteSource } from "./fileByteSource.ts";

/** A folder with more files than this is not a dictionary or model folder. */
const MAX_FILES = 2000;
const MAX_DEPTH = 6;

export async function openPathFileSet(
  paths: readonly string[],
): Promise<FileSet & { close(): Promise<void> }> {
  const opened: FileByteSource[] = [];
  const files = new Map<string, FileByteSource>();
  const add = async (path: string, rel: string) => {
    if (files.size >= MAX_FILES) {
      throw new FormatError(
        paths.join(", "),
        `holds more than ${MAX_FILES} files; name the dictionary's own folder`,
      );
    }
    const src = await openFileByteSource(path);
    opened.push(src);
    files.set(rel.split(sep).join("/"), src);
  };
  const walk = async (root: string, dir: string, depth: number): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH) await walk(root, full, depth + 1);
      else if (entry.isFile()) await add(full, relative(root, full));
    }
  };
  try {
    for (const p of paths) {
      let info;
      try {
        info = await stat(p);
      } catch {
        throw new FormatError(p, "not found");
      }
      if (info.isDirectory()) await walk(p, p, 0);
      else await add(p, basename(p));
    }
  } catch (e) {
    await Promise.all(opened.map((s) => s.close()));
    throw e;
  }
  return {
    name: paths.length === 1 ? paths[0]! : paths.join(", "),
    files,
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
}
