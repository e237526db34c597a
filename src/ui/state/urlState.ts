import type { HookSite } from "../../engine/model/hooks.ts";
import { HOOK_SITES } from "../../engine/model/hooks.ts";
import { parseSweep } from "../../engine/stream/sweep.ts";
import {
  matryoshkaWidthsProblem,
  parseMatryoshkaWidths,
} from "../../engine/dictionary/matryoshkaWidths.ts";
import type { StreamDictionaryConfig, StreamRunConfig } from "../../worker/protocol.ts";
import { isSyntheticPresetName } from "../../engine/synthetic/syntheticPresets.ts";
import {
  DEFAULT_K,
  DEFAULT_L0_COEFFICIENT,
  GPU_DEFAULTS,
  maxK,
  readsK,
  readsWidths,
  readsL0,
  STREAM_ARCHITECTURES,
} from "./defaults.ts";

function num(
  params: URLSearchParams,
  key: string,
  fallback: number,
  min: number,
  max: number,
  integer = true,
) {
  const raw = params.get(key);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) return fallback;
  return Math.min(max, Math.max(min, n));
}

/** Reads a run configuration from a query string over `d`, ignoring anything malformed. */
export function configFromUrl(search: string, d: StreamRunConfig = GPU_DEFAULTS): StreamRunConfig {
  const p = new URLSearchParams(search);
  const dict = (
    prefix: string,
    base: StreamDictionaryConfig,
  ): StreamDictionaryConfig | undefined => {
    if (p.get(prefix) === "0") return undefined;
    const site = p.get(`${prefix}.site`);
    const dSae = num(p, `${prefix}.dsae`, base.dSae, 4, 65536);
    // Absent (every URL from before architectures) = the base's, i.e. standard.
    // A URL that sets this dictionary but not its architecture is from before architectures
    // (standard); one that sets nothing of it gets the base's (the TopK default).
    const arch = p.get(`${prefix}.arch`);
    const setsIt = [...p.keys()].some((key) => key.startsWith(`${prefix}.`));
    const architecture =
      STREAM_ARCHITECTURES.find((a) => a === arch) ?? (setsIt ? undefined : base.architecture);
    const {
      architecture: _a,
      k: _k,
      l0Coefficient: _l0,
      skip: _s,
      matryoshkaWidths: _w,
      ...rest
    } = base;
    const widths = readsWidths(architecture)
      ? (widthsFromUrl(p.get(`${prefix}.widths`), dSae) ?? base.matryoshkaWidths)
      : undefined;
    return {
      ...rest,
      site: HOOK_SITES.includes(site as HookSite) ? (site as HookSite) : base.site,
      dSae,
      l1Coefficient: num(p, `${prefix}.l1`, base.l1Coefficient, 0, 1e6, false),
      lr: num(p, `${prefix}.lr`, base.lr, 1e-7, 1, false),
      ...(architecture && architecture !== "standard" ? { architecture } : {}),
      ...(readsK(architecture)
        ? { k: num(p, `${prefix}.k`, base.k ?? DEFAULT_K, 1, maxK(architecture!, dSae)) }
        : {}),
      ...(widths !== undefined ? { matryoshkaWidths: widths } : {}),
      ...(readsL0(architecture)
        ? {
            l0Coefficient: num(
              p,
              `${prefix}.l0`,
              base.l0Coefficient ?? DEFAULT_L0_COEFFICIENT,
              0,
              1e6,
              false,
            ),
          }
        : {}),
      ...(base.kind === "transcoder" && (p.get(`${prefix}.skip`) ?? (base.skip ? "1" : "0")) === "1"
        ? { skip: true }
        : {}),
    };
  };
  const [sae, transcoder] = d.dictionaries as [StreamDictionaryConfig, StreamDictionaryConfig];
  return {
    ...d,
    layer: num(p, "layer", d.layer, 0, 1000),
    dictionaries: [dict("sae", sae), dict("transcoder", transcoder)].filter(
      (x): x is StreamDictionaryConfig => x !== undefined,
    ),
    ...sweepFromUrl(p),
    batchSize: num(p, "batch", d.batchSize, 1, 65536),
    steps: num(p, "steps", d.steps, 1, 1e7),
    seed: num(p, "seed", d.seed, 0, 2 ** 31),
    logEvery: num(p, "log", d.logEvery, 1, 1e6),
    processing: p.get("processing") !== "0",
    normalize: p.get("normalize") === "none" ? "none" : d.normalize,
    evalSequences: num(p, "eval", d.evalSequences, 0, 1000),
    liveEvalEvery: num(p, "live", d.liveEvalEvery, 0, 1e6),
    ...dataFromUrl(p.get("data")),
  };
}

/** `data=synthetic:tiny`: a synthetic preset; anything else is the model (no field). */
function dataFromUrl(raw: string | null): Pick<StreamRunConfig, "data"> {
  const preset = raw?.startsWith("synthetic:") ? raw.slice("synthetic:".length) : undefined;
  return preset !== undefined && isSyntheticPresetName(preset)
    ? { data: { kind: "synthetic", preset } }
    : {};
}

/** `sae.widths=64,128,256,512`: valid Matryoshka widths for d_sae, else undefined. */
function widthsFromUrl(raw: string | null, dSae: number): number[] | undefined {
  if (raw === null) return undefined;
  try {
    const widths = parseMatryoshkaWidths(raw);
    return matryoshkaWidthsProblem(widths, dSae) === undefined ? widths : undefined;
  } catch {
    return undefined;
  }
}

/** `sweep=k=4,8` (parseSweep's form) and `layers=0,2`; malformed ones are ignored. */
function sweepFromUrl(p: URLSearchParams): Pick<StreamRunConfig, "sweep" | "layers"> {
  const out: Pick<StreamRunConfig, "sweep" | "layers"> = {};
  const sweep = p.get("sweep");
  if (sweep) {
    try {
      out.sweep = parseSweep(sweep);
    } catch {
      // Ignored, as every malformed value of the URL is.
    }
  }
  const layers = p.get("layers")?.split(",").map(Number);
  if (layers && layers.length > 0 && layers.every((l) => Number.isInteger(l) && l >= 0)) {
    out.layers = [...new Set(layers)].sort((a, b) => a - b);
  }
  return out;
}

/** The query string that reproduces a configuration. */
export function configToUrl(c: StreamRunConfig): string {
  const p = new URLSearchParams();
  p.set("layer", String(c.layer));
  for (const kind of ["sae", "transcoder"] as const) {
    const dict = c.dictionaries.find((x) => x.kind === kind);
    if (!dict) {
      p.set(kind, "0");
      continue;
    }
    if (kind === "sae" && dict.site) p.set("sae.site", dict.site);
    p.set(`${kind}.dsae`, String(dict.dSae));
    p.set(`${kind}.l1`, String(dict.l1Coefficient));
    p.set(`${kind}.lr`, String(dict.lr));
    const architecture = dict.architecture ?? "standard";
    p.set(`${kind}.arch`, architecture);
    if (readsK(architecture)) p.set(`${kind}.k`, String(dict.k ?? DEFAULT_K));
    if (readsWidths(architecture) && dict.matryoshkaWidths) {
      p.set(`${kind}.widths`, dict.matryoshkaWidths.join(","));
    }
    if (readsL0(architecture)) {
      p.set(`${kind}.l0`, String(dict.l0Coefficient ?? DEFAULT_L0_COEFFICIENT));
    }
    if (kind === "transcoder" && dict.skip) p.set(`${kind}.skip`, "1");
  }
  if (c.sweep) p.set("sweep", `${c.sweep.setting}=${c.sweep.values.join(",")}`);
  if (c.layers) p.set("layers", c.layers.join(","));
  p.set("batch", String(c.batchSize));
  p.set("steps", String(c.steps));
  p.set("seed", String(c.seed));
  p.set("log", String(c.logEvery));
  if (!c.processing) p.set("processing", "0");
  p.set("normalize", c.normalize);
  p.set("eval", String(c.evalSequences));
  if (c.liveEvalEvery > 0) p.set("live", String(c.liveEvalEvery));
  if (c.data?.kind === "synthetic") p.set("data", `synthetic:${c.data.preset}`);
  for (const [key, value] of otherViewParams()) p.set(key, value);
  return `?${p.toString()}`;
}

let otherViewParams: () => [string, string][] = () => [];

/** Parameters another view keeps in the URL (the Circuits view's graph.*): configToUrl keeps them. */
export function keepInUrl(params: () => [string, string][]): void {
  otherViewParams = params;
}
