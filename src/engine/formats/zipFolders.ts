/**
 * A .zip of dictionary folders, as the Runs view's Download writes it (saelensZip: one SAELens
 * folder per dictionary): each folder becomes its own FileSet, read in place from the zip
 * (stored entries slice by slice, deflated ones inflated up to what is asked).
 */
import { checkRange, type ByteSource } from "./byteSource.ts";
import type { FileSet } from "./fileSet.ts";
import { FormatError, listNames } from "./formatError.ts";
import { openZip, type ZipArchive, type ZipEntry } from "./torch/zip.ts";

export interface ZipFolder {
  /** The folder's name inside the zip (one path segment), or the zip's name when it has none. */
  folder: string;
  set: FileSet;
}

export const isZipName = (name: string): boolean => /\.zip$/i.test(name);

// macOS adds __MACOSX/ and dot-files; neither is part of a dictionary. A ".." segment is never
// a real folder either.
const ignored = (segment: string) => segment.startsWith(".") || segment === "__MACOSX";

/**
 * The zip's folders, each a FileSet whose paths keep the folder ("sae/cfg.json"). Wrapping
 * folders that hold nothing but one folder are looked through; a level that holds files is one
 * item (a Llama Scope folder keeps its checkpoints/ subfolder); a level of folders only is split,
 * one item per folder. `name` is the zip's name in messages.
 */
export async function zipFolders(src: ByteSource, name: string): Promise<ZipFolder[]> {
  const zip = await openZip(src);
  const files = [...zip.entries.values()].filter(
    (e) => !e.name.endsWith("/") && !e.name.split("/").some(ignored),
  );
  refuseTorchArchive(files, name);
  if (files.length === 0) throw new FormatError(name, "the zip holds no files");

  let prefix = "";
  for (;;) {
    const inside = files.filter((e) => e.name.startsWith(prefix));
    const rest = inside.map((e) => e.name.slice(prefix.length));
    const subfolders = [...new Set(rest.filter((r) => r.includes("/")).map(firstSegment))];
    const hasFiles = rest.some((r) => !r.includes("/"));
    if (!hasFiles && subfolders.length === 1) {
      prefix += `${subfolders[0]}/`;
      continue;
    }
    if (hasFiles) {
      const folder = prefix === "" ? name.replace(/\.zip$/i, "") : lastSegment(prefix);
      const setName = prefix === "" ? name : `${name}/${prefix.slice(0, -1)}`;
      return [{ folder, set: folderSet(zip, name, setName, inside, prefix) }];
    }
    return subfolders.sort().map((folder) => ({
      folder,
      set: folderSet(
        zip,
        name,
        `${name}/${prefix}${folder}`,
        inside.filter((e) => e.name.startsWith(`${prefix}${folder}/`)),
        prefix,
      ),
    }));
  }
}

const firstSegment = (path: string) => path.slice(0, path.indexOf("/"));
const lastSegment = (prefix: string) => prefix.slice(0, -1).split("/").pop()!;

/** torch.save writes a zip too (ARCHIVE/data.pkl, ARCHIVE/data/0, ...): say what it is. */
function refuseTorchArchive(files: readonly ZipEntry[], name: string): void {
  const pickle = files.find((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickle) {
    throw new FormatError(
      name,
      `is a torch.save archive (it holds ${JSON.stringify(pickle.name)}), not a zip of folders; ` +
        `name it .pt to load it as a torch checkpoint`,
    );
  }
}

function folderSet(
  zip: ZipArchive,
  zipName: string,
  setName: string,
  entries: readonly ZipEntry[],
  prefix: string,
): FileSet {
  const files = new Map<string, ByteSource>();
  for (const e of entries) {
    files.set(e.name.slice(prefix.length), entrySource(zip, e, `${zipName}/${e.name}`));
  }
  return { name: setName, files };
}

function entrySource(zip: ZipArchive, entry: ZipEntry, name: string): ByteSource {
  const src: ByteSource = {
    name,
    size: entry.size,
    read(offset, length) {
      checkRange(src, offset, length);
      return zip.readRange(entry.name, offset, length);
    },
  };
  return src;
}

/** One folder of a zip by name, for a command line's `FILE.zip:FOLDER`. */
export function pickZipFolder(folders: readonly ZipFolder[], name: string, want: string) {
  const found = folders.find((f) => f.folder === want);
  if (!found) {
    throw new FormatError(
      name,
      `has no folder ${JSON.stringify(want)}; its folders are ${listNames(folders.map((f) => f.folder))}`,
    );
  }
  return found;
}
