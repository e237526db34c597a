/**
 * What the user dropped or named: one file, or a folder's files by relative path. Formats are
 * recognised from the names and the small JSON files; weights stay in their ByteSources.
 */
import { bytesByteSource, type ByteSource } from "./byteSource.ts";
import { FormatError } from "./formatError.ts";

export interface FileSet {
  /** Shown in messages: the folder or file name. */
  readonly name: string;
  /** Relative paths with "/" separators. */
  readonly files: ReadonlyMap<string, ByteSource>;
}

/** Configs and hyperparameter files are small; refuse anything bigger before reading it. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Paths whose base name is `name`, shallowest first. */
export function findByName(set: FileSet, name: string): string[] {
  return [...set.files.keys()]
    .filter((p) => baseName(p) === name)
    .sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

export function findByExtension(set: FileSet, ext: string): string[] {
  return [...set.files.keys()].filter((p) => p.toLowerCase().endsWith(ext)).sort();
}

/** The file at `path` in the same folder as `sibling` (or at the top when it has none). */
export function siblingPath(sibling: string, name: string): string {
  const slash = sibling.lastIndexOf("/");
  return slash < 0 ? name : `${sibling.slice(0, slash + 1)}${name}`;
}

export async function readText(src: ByteSource): Promise<string> {
  if (src.size > MAX_CONFIG_BYTES) {
    throw new FormatError(
      src.name,
      `is ${src.size} bytes; a config file is expected to be under ${MAX_CONFIG_BYTES} bytes`,
    );
  }
  const bytes = await src.read(0, src.size);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(src.name, "is not UTF-8 text; expected a JSON or YAML config");
  }
}

export async function readJsonObject(src: ByteSource): Promise<Record<string, unknown>> {
  const text = await readText(src);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(src.name, `invalid JSON (${(e as Error).message})`, undefined, {
      cause: e,
    });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new FormatError(src.name, "expected a JSON object");
  }
  return json as Record<string, unknown>;
}

export function bytesFileSet(name: string, files: Record<string, Uint8Array>): FileSet {
  return {
    name,
    files: new Map(Object.entries(files).map(([p, b]) => [p, bytesByteSource(b, `${name}/${p}`)])),
  };
}
