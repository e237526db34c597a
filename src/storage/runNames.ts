/**
 * What runs and their dictionaries are called on screen and in files: the run's name ("run 3"
 * unless renamed), the kind, the site and the width, e.g. "run 3 · transcoder · blocks.3.mlp ·
 * 512". The page, the worker (dashboard headers) and downloads share these.
 */
import type { DictionaryKind, DictionarySpec } from "../engine/dictionary/spec.ts";
import { hookName } from "../engine/model/hooks.ts";
import type { RunRecord } from "./runRecord.ts";

const KIND_NAMES: Record<DictionaryKind, string> = { sae: "SAE", transcoder: "transcoder" };

/** The run's name, or its id for a record that has none yet. */
export function runTitle(run: Pick<RunRecord, "name" | "id">): string {
  return run.name?.trim() || run.id;
}

const NUMBERED = /^run (\d+)$/;

/** "run N" for a new run: one past the highest numbered name, never below the run count. */
export function nextRunName(runs: readonly Pick<RunRecord, "name">[]): string {
  let highest = runs.length;
  for (const r of runs) {
    const n = Number(NUMBERED.exec(r.name ?? "")?.[1] ?? 0);
    if (n > highest) highest = n;
  }
  return `run ${highest + 1}`;
}

/**
 * Records from before names (oldest first) get "run N" from their place in creation order; the
 * numbers already taken are skipped.
 */
export function withNames<R extends Pick<RunRecord, "name">>(runs: readonly R[]): R[] {
  const taken = new Set(runs.map((r) => r.name).filter((n) => n !== undefined));
  let n = 0;
  return runs.map((r) => {
    if (r.name !== undefined) return r;
    let name;
    do name = `run ${++n}`;
    while (taken.has(name));
    taken.add(name);
    return { ...r, name };
  });
}

/**
 * Where a dictionary reads: an SAE's hook, or "blocks.L.mlp" for a transcoder standing in for
 * that MLP (its input and output hooks otherwise).
 */
export function siteTitle(spec: Pick<DictionarySpec, "kind" | "hookName" | "hookNameOut">): string {
  if (spec.kind === "sae") return spec.hookName;
  const block = /^(blocks\.\d+)\./.exec(spec.hookName)?.[1];
  const mlpIn = /\.(ln2\.hook_normalized|mlp\.hook_in)$/.test(spec.hookName);
  if (block && mlpIn && spec.hookNameOut === `${block}.hook_mlp_out`) return `${block}.mlp`;
  return `${spec.hookName} → ${spec.hookNameOut}`;
}

/** kind · site · width of a dictionary known by its spec, e.g. a loaded one. */
export function specTitle(
  spec: Pick<DictionarySpec, "kind" | "hookName" | "hookNameOut" | "dSae">,
): string {
  return `${KIND_NAMES[spec.kind]} · ${siteTitle(spec)} · ${spec.dSae}`;
}

/** The spec fields a run's dictionary has (its hooks as plansOf sets them). */
function runDictionarySpec(
  run: Pick<RunRecord, "config">,
  id: string,
): Pick<DictionarySpec, "kind" | "hookName" | "hookNameOut" | "dSae"> | undefined {
  const c = run.config;
  const d = c.dictionaries.find((x) => x.id === id);
  if (!d) return undefined;
  const layer = d.layer ?? c.layer;
  if (d.kind === "sae") {
    const hook = hookName(layer, d.site ?? "hook_resid_pre");
    return { kind: "sae", hookName: hook, hookNameOut: hook, dSae: d.dSae };
  }
  return {
    kind: "transcoder",
    hookName: hookName(layer, "ln2.hook_normalized"),
    hookNameOut: hookName(layer, "hook_mlp_out"),
    dSae: d.dSae,
  };
}

/**
 * "run 3 · transcoder · blocks.3.mlp · 512", and a sweep's value after it ("· k 8"), so that
 * each dictionary of a sweep has a title (and a download folder) of its own.
 */
export function dictionaryTitle(
  run: Pick<RunRecord, "name" | "id" | "config">,
  id: string,
): string {
  const spec = runDictionarySpec(run, id);
  if (!spec) return `${runTitle(run)} · ${id}`;
  const swept = run.config.dictionaries.find((x) => x.id === id)?.swept;
  const value = swept
    ? ` · ${swept.setting === "architecture" ? swept.value : `${swept.setting} ${swept.value}`}`
    : "";
  return `${runTitle(run)} · ${specTitle(spec)}${value}`;
}

/** A title made safe for a file or folder name: "run-3_transcoder_blocks.3.mlp_512". */
export function fileSafe(title: string): string {
  return (
    title
      .split(" · ")
      .map((part) =>
        part
          .replace(/ → /g, "-to-")
          .replace(/[^A-Za-z0-9._-]+/g, "-")
          // No leading dot: a hidden file, or a folder named "..".
          .replace(/^[-.]+|[-.]+$/g, ""),
      )
      .filter((part) => part !== "")
      .join("_") || "run"
  );
}

/** The download's file name: the run's name and the step its weights are from. */
export function runZipName(run: Pick<RunRecord, "name" | "id" | "step">): string {
  return `${fileSafe(runTitle(run))}-step-${run.step}-saelens.zip`;
}

/** A dictionary's folder inside the download. */
export function runFolderName(run: Pick<RunRecord, "name" | "id" | "config">, id: string): string {
  return fileSafe(dictionaryTitle(run, id));
}

/** File names every dictionary of a format has, which say nothing about which one it is. */
const GENERIC_FILE =
  /^((cfg|config)\.json|(sae_weights|sparsity|model|sae|params)\.(safetensors|npz)|ae\.pt|pytorch_model\.bin)$/;

/**
 * Whether an item's name is only its format's file names, as loose picked files get ("cfg.json,
 * sae_weights.safetensors, sparsity.safetensors"), so two such dictionaries read the same.
 */
export function isGenericName(name: string): boolean {
  const parts = name.replace(/ and \d+ more$/, "").split(", ");
  return parts.every((p) => GENERIC_FILE.test(p));
}

/** A loaded dictionary's name: its own, or kind · site · width when that says nothing. */
export function loadedTitle(
  name: string,
  spec: Pick<DictionarySpec, "kind" | "hookName" | "hookNameOut" | "dSae">,
): string {
  return isGenericName(name) ? specTitle(spec) : name;
}

/** loadedTitle from a recognised item's details (recognizedJson), on the page. */
export function recognizedTitle(name: string, details: Record<string, unknown>): string {
  const { dictionary, hook_name, hook_name_out, d_sae } = details;
  if (dictionary !== "sae" && dictionary !== "transcoder") return name;
  if (typeof hook_name !== "string" || typeof d_sae !== "number") return name;
  const hookNameOut = typeof hook_name_out === "string" ? hook_name_out : hook_name;
  return loadedTitle(name, { kind: dictionary, hookName: hook_name, hookNameOut, dSae: d_sae });
}
