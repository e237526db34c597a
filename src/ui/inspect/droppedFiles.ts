import type { PickedFile } from "../../worker/protocol.ts";

/** Bounds on walking a dropped or picked folder: a dictionary is a few files, not a disk. */
export const MAX_FILES = 2000;
export const MAX_DEPTH = 6;

/** One load: a dropped folder, or the loose files dropped or picked together. */
export interface FileGroup {
  name: string;
  files: PickedFile[];
}

export class TooManyFiles extends Error {
  override readonly name = "TooManyFiles";
}

// Dot-files (.DS_Store, .git, ...) are never part of a dictionary.
const hidden = (name: string) => name.startsWith(".");

/** A name for loose files in messages: "cfg.json, sae_weights.safetensors". */
export function looseName(files: readonly { path: string }[]): string {
  const names = files.slice(0, 3).map((f) => f.path);
  const more = files.length > 3 ? ` and ${files.length - 3} more` : "";
  return names.join(", ") + more;
}

/** A folder input's files, with their paths inside the picked folder (webkitRelativePath). */
export function pickedGroup(list: FileList): FileGroup {
  const all = [...list];
  if (all.length > MAX_FILES) {
    throw new TooManyFiles(
      `the folder has ${all.length} files; at most ${MAX_FILES} are read: pick the dictionary's own folder`,
    );
  }
  const files = all
    .map((file) => ({ path: file.webkitRelativePath || file.name, file }))
    .filter((f) => !f.path.split("/").some(hidden));
  const top = files[0]?.path.split("/")[0] ?? "";
  const oneFolder = top !== "" && files.every((f) => f.path.startsWith(`${top}/`));
  return { name: oneFolder ? top : looseName(files), files };
}

/**
 * Takes what a drop holds. Must be called during the drop event (the DataTransfer empties
 * afterwards); walking the folders continues after it.
 */
export function droppedGroups(dt: DataTransfer): Promise<FileGroup[]> {
  const entries: (FileSystemEntry | File)[] = [];
  for (const item of [...dt.items]) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry?.() ?? item.getAsFile();
    if (entry) entries.push(entry);
  }
  return groupsOf(entries);
}

async function groupsOf(entries: (FileSystemEntry | File)[]): Promise<FileGroup[]> {
  const groups: FileGroup[] = [];
  const loose: PickedFile[] = [];
  for (const e of entries) {
    if (e instanceof File) {
      loose.push({ path: e.name, file: e });
    } else if (isDirectory(e)) {
      const files: PickedFile[] = [];
      await walk(e, `${e.name}/`, 1, files);
      groups.push({ name: e.name, files });
    } else if (isFile(e) && !hidden(e.name)) {
      loose.push({ path: e.name, file: await fileOf(e) });
    }
  }
  if (loose.length > 0) groups.push({ name: looseName(loose), files: loose });
  return groups;
}

async function walk(
  dir: FileSystemDirectoryEntry,
  prefix: string,
  depth: number,
  out: PickedFile[],
): Promise<void> {
  if (depth > MAX_DEPTH) {
    throw new TooManyFiles(
      `${prefix} is more than ${MAX_DEPTH} folders deep; drop the dictionary's own folder`,
    );
  }
  const reader = dir.createReader();
  // readEntries answers in batches until it returns an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) return;
    for (const e of batch) {
      if (hidden(e.name)) continue;
      if (isDirectory(e)) {
        await walk(e, `${prefix}${e.name}/`, depth + 1, out);
      } else if (isFile(e)) {
        if (out.length >= MAX_FILES) {
          throw new TooManyFiles(
            `${prefix.split("/")[0]} has more than ${MAX_FILES} files; drop the dictionary's own folder`,
          );
        }
        out.push({ path: `${prefix}${e.name}`, file: await fileOf(e) });
      }
    }
  }
}

const isDirectory = (e: FileSystemEntry): e is FileSystemDirectoryEntry => e.isDirectory;
const isFile = (e: FileSystemEntry): e is FileSystemFileEntry => e.isFile;
const fileOf = (e: FileSystemFileEntry) => new Promise<File>((ok, fail) => e.file(ok, fail));
