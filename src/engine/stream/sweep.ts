/**
 * Sweeps: one setting and its values, applied to each dictionary kind of a run, and a list of
 * layers with a dictionary of each kind at each. Pure (no DOM, no Node): the page and
 * `npm run train --sweep` expand a run into the same dictionaries, ids, labels and seeds.
 */
import type { DictionaryKind } from "../dictionary/spec.ts";
import { HOOK_SITES, type HookSite } from "../model/hooks.ts";
import { MAX_TOPK } from "../eval/gpuTopkRows.ts";
import { ARCHITECTURE_NAMES, type ArchitectureName } from "../train/architecture.ts";
import { dictionarySeed } from "./dictionarySeed.ts";

export const SWEEP_SETTINGS = [
  "k",
  "l1_coefficient",
  "l0_coefficient",
  "d_sae",
  "lr",
  "architecture",
] as const;
export type SweepSetting = (typeof SWEEP_SETTINGS)[number];
export type SweepValue = number | ArchitectureName;

export interface Sweep {
  setting: SweepSetting;
  values: SweepValue[];
}

/** The architectures that read a setting; the others are read by every architecture. */
const READERS: Partial<Record<SweepSetting, readonly ArchitectureName[]>> = {
  k: ["topk", "batchtopk", "matryoshka_batchtopk"],
  l1_coefficient: ["standard"],
  l0_coefficient: ["jumprelu"],
};

/** The setting's part of a dictionary id ("k16", "l1_0.3", "dsae512", "lr0.001", "topk"). */
const ID_PREFIX: Record<SweepSetting, string> = {
  k: "k",
  l1_coefficient: "l1_",
  l0_coefficient: "l0_",
  d_sae: "dsae",
  lr: "lr",
  architecture: "",
};

/** The hyperparameters a swept value replaces, under the engine's names. */
export interface SweepOverrides {
  architecture?: ArchitectureName;
  k?: number;
  l1Coefficient?: number;
  l0Coefficient?: number;
  dSae?: number;
  lr?: number;
}

/** One dictionary of an expanded run. */
export interface SweepMember {
  /** Stable: a folder name, a metrics key, and (with the run's seed) the initialisation seed. */
  id: string;
  /** For people, e.g. "transcoder · L3 · k 16". */
  label: string;
  kind: DictionaryKind;
  layer: number;
  /** An SAE's hook, e.g. blocks.3.hook_mlp_out; undefined for a transcoder. */
  hook?: string;
  architecture: ArchitectureName;
  seed: number;
  /** The swept setting and this dictionary's value; undefined without a sweep. */
  setting?: SweepSetting;
  value?: SweepValue;
  overrides: SweepOverrides;
}

export interface SweepRequest {
  kinds: readonly DictionaryKind[];
  /** One layer, or several (a dictionary of each kind at each). */
  layers: readonly number[];
  /** Whether the run names its layers (--layers): then every id carries its layer. */
  layerList: boolean;
  /** The site an SAE reconstructs at each layer (default hook_mlp_out: the transcoder's target). */
  saeSite?: HookSite;
  /** The run's architecture (a sweep of architectures replaces it per dictionary). */
  architecture: ArchitectureName;
  sweep?: Sweep;
  runSeed: number;
}

/** Parses "k=8,16,32,64" (or "architecture=standard,topk"), checking every value. */
export function parseSweep(text: string): Sweep {
  const m = /^([a-z0-9_]+)=(.*)$/.exec(text.trim());
  if (!m) {
    throw new Error(
      `a sweep is SETTING=V1,V2,... (SETTING one of ${SWEEP_SETTINGS.join(", ")}), got "${text}"`,
    );
  }
  const setting = m[1] as SweepSetting;
  if (!SWEEP_SETTINGS.includes(setting)) {
    throw new Error(`cannot sweep "${m[1]}": the settings are ${SWEEP_SETTINGS.join(", ")}`);
  }
  const parts = m[2]!.split(",").map((s) => s.trim());
  if (parts.some((p) => p === "")) {
    throw new Error(`sweep ${setting}: an empty value in "${m[2]}" (values are comma-separated)`);
  }
  return { setting, values: parts.map((p) => parseSweepValue(setting, p)) };
}

function parseSweepValue(setting: SweepSetting, text: string): SweepValue {
  if (setting === "architecture") {
    if (!ARCHITECTURE_NAMES.includes(text as ArchitectureName)) {
      throw new Error(
        `sweep architecture: "${text}" is not one of ${ARCHITECTURE_NAMES.join(", ")}`,
      );
    }
    return text as ArchitectureName;
  }
  const n = Number(text);
  const fail = (what: string) => new Error(`sweep ${setting}: expects ${what}, got "${text}"`);
  if (!Number.isFinite(n)) throw fail("numbers");
  if (setting === "d_sae" && !(Number.isInteger(n) && n >= 1)) throw fail("integers >= 1");
  if ((setting === "k" || setting === "lr") && !(n > 0)) throw fail("numbers > 0");
  if (n < 0) throw fail("numbers >= 0");
  return n;
}

/** "a", "a and b", "a, b and c". */
function listed(names: readonly string[]): string {
  return names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** Checks a sweep against the run's architecture; each value's own range as parseSweep does. */
export function checkSweep(sweep: Sweep, architecture: ArchitectureName): void {
  if (sweep.values.length === 0) throw new Error(`sweep ${sweep.setting}: no values`);
  const seen = new Set<string>();
  for (const v of sweep.values) {
    if (seen.has(String(v))) throw new Error(`sweep ${sweep.setting}: ${v} is listed twice`);
    seen.add(String(v));
    parseSweepValue(sweep.setting, String(v));
  }
  const readers = READERS[sweep.setting];
  if (readers && !readers.includes(architecture)) {
    throw new Error(
      `cannot sweep ${sweep.setting} with architecture ${architecture}: only ` +
        `${listed(readers)} read${readers.length === 1 ? "s" : ""} it`,
    );
  }
  if (sweep.setting === "k" && architecture === "topk") {
    for (const v of sweep.values as number[]) {
      if (!Number.isInteger(v) || v > MAX_TOPK) {
        throw new Error(`sweep k: topk takes integers 1..${MAX_TOPK}, got ${v}`);
      }
    }
  }
}

/** "all" or a comma-separated list of layers, each in 0..nLayer-1, without repeats, sorted. */
export function parseLayers(text: string, nLayer: number): number[] {
  if (text.trim() === "all") return Array.from({ length: nLayer }, (_, i) => i);
  const layers = text.split(",").map((s) => s.trim());
  const out: number[] = [];
  for (const s of layers) {
    const n = Number(s);
    if (s === "" || !Number.isInteger(n) || n < 0 || n >= nLayer) {
      throw new Error(
        `layers: "${s}" is not a layer of this model (0..${nLayer - 1}); give "all" or a list like 0,2,3`,
      );
    }
    if (out.includes(n)) throw new Error(`layers: ${n} is listed twice`);
    out.push(n);
  }
  return out.sort((a, b) => a - b);
}

/** Whether a hook site name is one an SAE can read (without its blocks.L. prefix). */
export function isHookSite(site: string): site is HookSite {
  return HOOK_SITES.includes(site as HookSite);
}

function overridesOf(setting: SweepSetting, value: SweepValue): SweepOverrides {
  switch (setting) {
    case "architecture":
      return { architecture: value as ArchitectureName };
    case "k":
      return { k: value as number };
    case "l1_coefficient":
      return { l1Coefficient: value as number };
    case "l0_coefficient":
      return { l0Coefficient: value as number };
    case "d_sae":
      return { dSae: value as number };
    case "lr":
      return { lr: value as number };
  }
}

/**
 * The run's dictionaries: for each kind (in the order given), each layer, each swept value.
 * A plain run (no sweep, no layer list) keeps the ids "sae" and "transcoder", and so the seeds
 * runs had before sweeps existed.
 */
export function expandSweep(request: SweepRequest): SweepMember[] {
  const { kinds, layers, sweep } = request;
  if (kinds.length === 0) throw new Error("no dictionary kind to train");
  if (new Set(kinds).size !== kinds.length) throw new Error(`a kind is listed twice: ${kinds}`);
  if (layers.length === 0) throw new Error("no layer to train at");
  if (sweep) checkSweep(sweep, request.architecture);
  const plain = !sweep && !request.layerList;
  const saeSite = request.saeSite ?? "hook_mlp_out";
  const values: (SweepValue | undefined)[] = sweep ? sweep.values : [undefined];
  const members: SweepMember[] = [];
  for (const kind of kinds) {
    for (const layer of layers) {
      for (const value of values) {
        const idParts: string[] = [kind];
        const labelParts: string[] = [kind];
        if (!plain) {
          idParts.push(`L${layer}`);
          labelParts.push(`L${layer}`);
        }
        if (sweep && value !== undefined) {
          idParts.push(`${ID_PREFIX[sweep.setting]}${value}`);
          labelParts.push(
            sweep.setting === "architecture" ? `${value}` : `${sweep.setting} ${value}`,
          );
        }
        const id = idParts.join(".");
        const overrides = sweep && value !== undefined ? overridesOf(sweep.setting, value) : {};
        members.push({
          id,
          label: labelParts.join(" · "),
          kind,
          layer,
          ...(kind === "sae" ? { hook: `blocks.${layer}.${saeSite}` } : {}),
          architecture: overrides.architecture ?? request.architecture,
          seed: dictionarySeed(request.runSeed, id),
          ...(sweep && value !== undefined ? { setting: sweep.setting, value } : {}),
          overrides,
        });
      }
    }
  }
  return members;
}
