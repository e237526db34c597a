/**
 * The dictionaries inside one FileSet of a transcoder set: a folder of per-layer files (twelve
 * transcoder_circuits .pt files), a folder of SAELens folders, or a single dictionary. A folder
 * that holds a format's config (cfg.json, config.json, hyperparams.json) or Gemma Scope's
 * params.* is one dictionary with everything under it; every other weights file is one alone.
 */
import { baseName, type FileSet } from "../formats/fileSet.ts";

const FOLDER_ANCHORS = new Set([
  "cfg.json",
  "config.json",
  "hyperparams.json",
  "params.npz",
  "params.safetensors",
]);
const WEIGHTS = /\.(pt|pth|safetensors|npz)$/i;

export const dirName = (path: string): string => {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
};

const under = (path: string, dir: string) => dir === "" || path.startsWith(`${dir}/`);

/** The files of `set` at `paths`, as a FileSet named `name`. */
export function subSet(set: FileSet, name: string, paths: readonly string[]): FileSet {
  return { name, files: new Map(paths.map((p) => [p, set.files.get(p)!] as const)) };
}

/** One FileSet per dictionary in `set` (the set itself when it holds one or none). */
export function splitDictionaries(set: FileSet): FileSet[] {
  const paths = [...set.files.keys()].sort();
  const anchored = [
    ...new Set(paths.filter((p) => FOLDER_ANCHORS.has(baseName(p))).map(dirName)),
  ].sort((a, b) => b.length - a.length);
  const groups = new Map<string, string[]>();
  for (const p of paths) {
    const dir = anchored.find((d) => under(p, d));
    const key = dir !== undefined ? `dir:${dir}` : WEIGHTS.test(p) ? `file:${p}` : undefined;
    if (key === undefined) continue;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  if (groups.size <= 1) return [set];
  return [...groups].map(([key, members]) => {
    const where = key.slice(key.indexOf(":") + 1);
    return subSet(set, where === "" ? set.name : `${set.name}/${where}`, members);
  });
}

/** Removes "." and "dir/.." segments; undefined when ".." climbs above the root. */
function normalize(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join("/");
}

/**
 * The path in `set` that a config in folder `fromDir` means by `path`: relative to the config,
 * or (an absolute path, an hf:// address, a moved folder) the one file of that base name.
 */
export function resolveSetPath(set: FileSet, fromDir: string, path: string): string | undefined {
  const relative = /^(\/|[A-Za-z]:[\\/]|hf:\/\/)/.test(path)
    ? undefined
    : normalize(fromDir === "" ? path : `${fromDir}/${path}`);
  if (relative !== undefined && set.files.has(relative)) return relative;
  const name = baseName(path.replace(/\\/g, "/"));
  const found = [...set.files.keys()].filter((p) => baseName(p) === name);
  return found.length === 1 ? found[0] : undefined;
}

/** The paths of `set` under folder `dir` (a config's `../transcoder.L0`, resolved). */
export function folderPaths(set: FileSet, fromDir: string, folder: string): string[] {
  const dir = normalize(fromDir === "" ? folder : `${fromDir}/${folder}`);
  if (dir === undefined) return [];
  return [...set.files.keys()].filter((p) => dir !== "" && under(p, dir));
}

/**
 * One FileSet of several that share a tree (the folders of one zip, whose paths keep their
 * folder): a set's config and the folders it names must be read together.
 */
export function mergeFileSets(name: string, sets: readonly FileSet[]): FileSet {
  if (sets.length === 1) return sets[0]!;
  return { name, files: new Map(sets.flatMap((s) => [...s.files])) };
}
