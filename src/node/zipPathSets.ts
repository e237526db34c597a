/**
 * Command-line paths as FileSets, where a .zip of folders (a run's Download) gives one set per
 * folder, and `FILE.zip:FOLDER` names one of them.
 */
import type { FileSet } from "../engine/formats/fileSet.ts";
import { FormatError, listNames } from "../engine/formats/formatError.ts";
import { isZipName, pickZipFolder, zipFolders } from "../engine/formats/zipFolders.ts";
import { openFileByteSource } from "./fileByteSource.ts";
import { openPathFileSet } from "./pathFileSet.ts";

export interface PathItem {
  /** The zip folder it came from; absent for a plain file or folder. */
  folder?: string;
  set: FileSet;
}

export interface PathItems {
  items: PathItem[];
  close(): Promise<void>;
}

/** `FILE.zip:FOLDER` as its parts; undefined for any other path. */
export function zipPath(path: string): { zip: string; folder?: string } | undefined {
  const named = /^(.+\.zip):([^/\\]+)$/i.exec(path);
  if (named) return { zip: named[1]!, folder: named[2]! };
  return isZipName(path) ? { zip: path } : undefined;
}

export async function openPathItems(paths: readonly string[]): Promise<PathItems> {
  const zips = paths.filter((p) => zipPath(p) !== undefined);
  if (zips.length === 0) {
    const set = await openPathFileSet(paths);
    return { items: [{ set }], close: () => set.close() };
  }
  if (paths.length > 1) {
    throw new FormatError(zips[0]!, "a .zip is read on its own; give it as the only path");
  }
  const { zip, folder } = zipPath(paths[0]!)!;
  const src = await openFileByteSource(zip);
  try {
    const folders = await zipFolders(src, zip);
    const items = folder === undefined ? folders : [pickZipFolder(folders, zip, folder)];
    return { items, close: () => src.close() };
  } catch (e) {
    await src.close();
    throw e;
  }
}

/** The one dictionary a flag such as --dict names: a zip of several needs `FILE.zip:FOLDER`. */
export async function openOnePathSet(path: string): Promise<FileSet & { close(): Promise<void> }> {
  const opened = await openPathItems([path]);
  if (opened.items.length > 1) {
    await opened.close();
    const names = opened.items.map((i) => i.folder ?? "");
    throw new FormatError(
      path,
      `holds ${names.length} folders (${listNames(names)}); name one as ${path}:${names[0]}`,
    );
  }
  return { ...opened.items[0]!.set, close: opened.close };
}
