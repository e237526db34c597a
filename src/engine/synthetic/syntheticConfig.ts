/**
 * SAELens's SyntheticModelConfig (sae_lens/synthetic/synthetic_model.py), with its field names,
 * meanings and defaults, read from the dict its to_dict writes (synthetic_model_config.json).
 * Sub-configs that SAELens picks from a registry carry `generator_name`.
 */
import { FormatError } from "../formats/formatError.ts";

export type FiringProbabilityConfig =
  | { generator_name: "zipfian"; exponent: number; max_prob: number; min_prob: number }
  | { generator_name: "linear"; max_prob: number; min_prob: number }
  | { generator_name: "random"; max_prob: number; min_prob: number }
  | { generator_name: "constant"; probability: number };

export type MagnitudeConfig =
  | { generator_name: "constant"; value: number }
  | { generator_name: "linear"; start: number; end: number }
  | { generator_name: "exponential"; start: number; end: number }
  | {
      generator_name: "folded_normal";
      mean: number;
      std: number;
      min_value: number | null;
      max_value: number | null;
    };

export interface HierarchyConfig {
  total_root_nodes: number;
  /** Children per parent: a number, or [lo, hi] drawn per parent (inclusive). */
  branching_factor: number | [number, number];
  /** Depth 0 is the roots; nodes at depth < max_depth get children. */
  max_depth: number;
  mutually_exclusive_portion: number;
  mutually_exclusive_min_depth: number;
  mutually_exclusive_max_depth: number | null;
  compensate_probabilities: boolean;
  scale_children_by_parent: boolean;
}

export interface OrthogonalizationConfig {
  num_steps: number;
  lr: number;
  chunk_size: number;
}

export interface LowRankCorrelationConfig {
  rank: number;
  correlation_scale: number;
  /** Unused by SAELens too: the model draws the factor from seed + 4. */
  seed: number | null;
}

export interface SyntheticModelConfig {
  num_features: number;
  hidden_dim: number;
  firing_probability: FiringProbabilityConfig;
  hierarchy: HierarchyConfig | null;
  orthogonalization: OrthogonalizationConfig | null;
  correlation: LowRankCorrelationConfig | null;
  /** A number is the same std for every feature. */
  std_firing_magnitudes: number | MagnitudeConfig;
  mean_firing_magnitudes: number | MagnitudeConfig;
  /** false: no bias; true: a random bias of norm 1; a number: a random bias of that norm. */
  bias: boolean | number;
  dtype: "float32";
  /** null builds as seed 0 here (SAELens would draw an unseeded model). */
  seed: number | null;
}

export const FIRING_PROBABILITY_DEFAULTS = {
  zipfian: { generator_name: "zipfian", exponent: 1.0, max_prob: 0.3, min_prob: 0.01 },
  linear: { generator_name: "linear", max_prob: 0.3, min_prob: 0.01 },
  random: { generator_name: "random", max_prob: 0.5, min_prob: 0.01 },
  constant: { generator_name: "constant", probability: 0.1 },
} as const satisfies Record<FiringProbabilityConfig["generator_name"], FiringProbabilityConfig>;

export const HIERARCHY_DEFAULTS: HierarchyConfig = {
  total_root_nodes: 100,
  branching_factor: 100,
  max_depth: 2,
  mutually_exclusive_portion: 0.0,
  mutually_exclusive_min_depth: 0,
  mutually_exclusive_max_depth: null,
  compensate_probabilities: false,
  scale_children_by_parent: false,
};

export const ORTHOGONALIZATION_DEFAULTS: OrthogonalizationConfig = {
  num_steps: 200,
  lr: 0.01,
  chunk_size: 1024,
};

export const CORRELATION_DEFAULTS: LowRankCorrelationConfig = {
  rank: 32,
  correlation_scale: 0.1,
  seed: null,
};

type Json = Record<string, unknown>;

/** Reads a config dict; `file` names the source in errors. */
export function parseSyntheticModelConfig(
  value: unknown,
  file = "synthetic_model_config.json",
): SyntheticModelConfig {
  const r = new FieldReader(file, "");
  const d = r.object(value, "");
  r.allowOnly(d, "", [
    "num_features",
    "hidden_dim",
    "firing_probability",
    "hierarchy",
    "orthogonalization",
    "correlation",
    "std_firing_magnitudes",
    "mean_firing_magnitudes",
    "bias",
    "dtype",
    "seed",
  ]);
  const config: SyntheticModelConfig = {
    num_features: r.integer(d, "num_features", undefined, 1),
    hidden_dim: r.integer(d, "hidden_dim", undefined, 1),
    firing_probability:
      d.firing_probability === undefined
        ? { ...FIRING_PROBABILITY_DEFAULTS.zipfian }
        : parseFiringProbability(r, r.object(d.firing_probability, "firing_probability")),
    hierarchy: d.hierarchy == null ? null : parseHierarchy(r, r.object(d.hierarchy, "hierarchy")),
    orthogonalization:
      d.orthogonalization == null
        ? null
        : parseOrthogonalization(r, r.object(d.orthogonalization, "orthogonalization")),
    correlation:
      d.correlation == null ? null : parseCorrelation(r, r.object(d.correlation, "correlation")),
    std_firing_magnitudes: parseMagnitude(r, d, "std_firing_magnitudes", 0.0),
    mean_firing_magnitudes: parseMagnitude(r, d, "mean_firing_magnitudes", 1.0),
    // SAELens's from_dict defaults a missing bias to False (the dataclass default is 1.0).
    bias: parseBias(r, d),
    dtype: parseDtype(r, d),
    seed: d.seed == null ? null : r.integer(d, "seed", undefined, 0, 2 ** 32 - 1),
  };
  return config;
}

/** The dict SAELens's SyntheticModelConfig.to_dict writes. */
export function syntheticConfigToDict(c: SyntheticModelConfig): Json {
  return {
    num_features: c.num_features,
    hidden_dim: c.hidden_dim,
    firing_probability: { ...c.firing_probability },
    hierarchy: c.hierarchy && {
      ...c.hierarchy,
      branching_factor: Array.isArray(c.hierarchy.branching_factor)
        ? [...c.hierarchy.branching_factor]
        : c.hierarchy.branching_factor,
    },
    orthogonalization: c.orthogonalization && { ...c.orthogonalization },
    correlation: c.correlation && { ...c.correlation },
    std_firing_magnitudes: magnitudeToDict(c.std_firing_magnitudes),
    mean_firing_magnitudes: magnitudeToDict(c.mean_firing_magnitudes),
    bias: c.bias,
    dtype: c.dtype,
    seed: c.seed,
  };
}

function magnitudeToDict(m: number | MagnitudeConfig): number | Json {
  return typeof m === "number" ? m : { ...m };
}

function parseFiringProbability(r: FieldReader, d: Json): FiringProbabilityConfig {
  const name = d.generator_name;
  const at = "firing_probability";
  if (name === "zipfian") {
    const c: FiringProbabilityConfig & { generator_name: "zipfian" } = {
      ...FIRING_PROBABILITY_DEFAULTS.zipfian,
    };
    r.allowOnly(d, at, ["generator_name", "exponent", "max_prob", "min_prob"]);
    c.exponent = r.number(d, "exponent", c.exponent, `${at}.`);
    if (!(c.exponent > 0)) r.fail(`${at}.exponent`, `must be positive, found ${c.exponent}`);
    [c.max_prob, c.min_prob] = probabilityRange(r, d, at, c, false);
    return c;
  }
  if (name === "linear" || name === "random") {
    const c: FiringProbabilityConfig & { generator_name: typeof name } = {
      ...FIRING_PROBABILITY_DEFAULTS[name],
    };
    r.allowOnly(d, at, ["generator_name", "max_prob", "min_prob"]);
    [c.max_prob, c.min_prob] = probabilityRange(r, d, at, c, name === "linear");
    return c;
  }
  if (name === "constant") {
    r.allowOnly(d, at, ["generator_name", "probability"]);
    const p = r.number(
      d,
      "probability",
      FIRING_PROBABILITY_DEFAULTS.constant.probability,
      `${at}.`,
    );
    if (!(p > 0 && p <= 1)) r.fail(`${at}.probability`, `must be in (0, 1], found ${p}`);
    return { generator_name: "constant", probability: p };
  }
  return r.fail(
    `${at}.generator_name`,
    `expected "zipfian", "linear", "random" or "constant", found ${JSON.stringify(name)}`,
  );
}

function probabilityRange(
  r: FieldReader,
  d: Json,
  at: string,
  defaults: { max_prob: number; min_prob: number },
  allowEqual: boolean,
): [number, number] {
  const max = r.number(d, "max_prob", defaults.max_prob, `${at}.`);
  const min = r.number(d, "min_prob", defaults.min_prob, `${at}.`);
  const ordered = allowEqual ? min <= max : min < max;
  if (!(min > 0 && ordered && max <= 1)) {
    r.fail(
      at,
      `must have 0 < min_prob ${allowEqual ? "<=" : "<"} max_prob <= 1, found min_prob ${min}, max_prob ${max}`,
    );
  }
  return [max, min];
}

function parseMagnitude(
  r: FieldReader,
  d: Json,
  key: string,
  fallback: number,
): number | MagnitudeConfig {
  const v = d[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) r.fail(key, `must be finite, found ${v}`);
    return v;
  }
  const m = r.object(v, key);
  const at = `${key}.`;
  switch (m.generator_name) {
    case "constant":
      r.allowOnly(m, key, ["generator_name", "value"]);
      return { generator_name: "constant", value: r.number(m, "value", 1.0, at) };
    case "linear":
    case "exponential": {
      r.allowOnly(m, key, ["generator_name", "start", "end"]);
      const start = r.number(m, "start", undefined, at);
      const end = r.number(m, "end", undefined, at);
      if (!(start > 0 && end > 0)) r.fail(key, `start and end must be positive`);
      return { generator_name: m.generator_name, start, end };
    }
    case "folded_normal": {
      r.allowOnly(m, key, ["generator_name", "mean", "std", "min_value", "max_value"]);
      const std = r.number(m, "std", 0.1, at);
      if (!(std > 0)) r.fail(`${key}.std`, `must be positive, found ${std}`);
      const min = m.min_value == null ? null : r.number(m, "min_value", undefined, at);
      const max = m.max_value == null ? null : r.number(m, "max_value", undefined, at);
      if (min !== null && min < 0) r.fail(`${key}.min_value`, "must be non-negative");
      if (max !== null && max <= 0) r.fail(`${key}.max_value`, "must be positive");
      if (min !== null && max !== null && min > max) r.fail(key, "min_value must be <= max_value");
      return {
        generator_name: "folded_normal",
        mean: r.number(m, "mean", 0.0, at),
        std,
        min_value: min,
        max_value: max,
      };
    }
    default:
      return r.fail(
        `${key}.generator_name`,
        `expected "constant", "linear", "exponential" or "folded_normal", found ${JSON.stringify(m.generator_name)}`,
      );
  }
}

function parseHierarchy(r: FieldReader, d: Json): HierarchyConfig {
  const at = "hierarchy.";
  r.allowOnly(d, "hierarchy", Object.keys(HIERARCHY_DEFAULTS));
  const h = HIERARCHY_DEFAULTS;
  const bf = d.branching_factor;
  let branching: number | [number, number];
  if (Array.isArray(bf)) {
    const [lo, hi] = bf as unknown[];
    if (bf.length !== 2 || !isInt(lo) || !isInt(hi) || lo < 2 || lo > hi) {
      r.fail(
        `${at}branching_factor`,
        `expected [lo, hi] with 2 <= lo <= hi, found ${JSON.stringify(bf)}`,
      );
    }
    branching = [lo as number, hi as number];
  } else {
    branching = r.integer(d, "branching_factor", h.branching_factor as number, 2, undefined, at);
  }
  const minDepth = r.integer(d, "mutually_exclusive_min_depth", 0, 0, undefined, at);
  const maxDepth =
    d.mutually_exclusive_max_depth == null
      ? null
      : r.integer(d, "mutually_exclusive_max_depth", undefined, minDepth, undefined, at);
  const portion = r.number(d, "mutually_exclusive_portion", 0, at);
  if (!(portion >= 0 && portion <= 1)) {
    r.fail(`${at}mutually_exclusive_portion`, `must be in [0, 1], found ${portion}`);
  }
  return {
    total_root_nodes: r.integer(d, "total_root_nodes", h.total_root_nodes, 1, undefined, at),
    branching_factor: branching,
    max_depth: r.integer(d, "max_depth", h.max_depth, 1, undefined, at),
    mutually_exclusive_portion: portion,
    mutually_exclusive_min_depth: minDepth,
    mutually_exclusive_max_depth: maxDepth,
    compensate_probabilities: r.boolean(d, "compensate_probabilities", false, at),
    scale_children_by_parent: r.boolean(d, "scale_children_by_parent", false, at),
  };
}

function parseOrthogonalization(r: FieldReader, d: Json): OrthogonalizationConfig {
  const at = "orthogonalization.";
  r.allowOnly(d, "orthogonalization", Object.keys(ORTHOGONALIZATION_DEFAULTS));
  const o = ORTHOGONALIZATION_DEFAULTS;
  const lr = r.number(d, "lr", o.lr, at);
  if (!(lr > 0)) r.fail(`${at}lr`, `must be positive, found ${lr}`);
  return {
    num_steps: r.integer(d, "num_steps", o.num_steps, 0, undefined, at),
    lr,
    chunk_size: r.integer(d, "chunk_size", o.chunk_size, 1, undefined, at),
  };
}

function parseCorrelation(r: FieldReader, d: Json): LowRankCorrelationConfig {
  const at = "correlation.";
  r.allowOnly(d, "correlation", Object.keys(CORRELATION_DEFAULTS));
  const scale = r.number(d, "correlation_scale", CORRELATION_DEFAULTS.correlation_scale, at);
  if (!(scale >= 0)) r.fail(`${at}correlation_scale`, `must be non-negative, found ${scale}`);
  return {
    rank: r.integer(d, "rank", CORRELATION_DEFAULTS.rank, 1, undefined, at),
    correlation_scale: scale,
    seed: d.seed == null ? null : r.integer(d, "seed", undefined, 0, undefined, at),
  };
}

function parseBias(r: FieldReader, d: Json): boolean | number {
  const b = d.bias;
  if (b === undefined || b === null) return false;
  if (typeof b === "boolean") return b;
  if (typeof b === "number" && Number.isFinite(b) && b >= 0) return b;
  return r.fail("bias", `expected true, false or a non-negative norm, found ${JSON.stringify(b)}`);
}

function parseDtype(r: FieldReader, d: Json): "float32" {
  if (d.dtype === undefined || d.dtype === null || d.dtype === "float32") return "float32";
  return r.fail("dtype", `only "float32" is supported, found ${JSON.stringify(d.dtype)}`);
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

/** Typed reads of one dict's fields; every failure names the file and the field. */
class FieldReader {
  constructor(
    private readonly file: string,
    private readonly prefix: string,
  ) {}

  fail(field: string, detail: string): never {
    throw new FormatError(this.file, `field "${this.prefix}${field}": ${detail}`);
  }

  object(v: unknown, field: string): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      this.fail(field || "(top level)", `expected an object, found ${JSON.stringify(v)}`);
    }
    return v as Json;
  }

  allowOnly(d: Json, at: string, keys: readonly string[]): void {
    for (const k of Object.keys(d)) {
      if (!keys.includes(k)) {
        this.fail(at ? `${at}.${k}` : k, `unknown field (expected one of ${keys.join(", ")})`);
      }
    }
  }

  number(d: Json, key: string, fallback: number | undefined, at = ""): number {
    const v = d[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== "number" || !Number.isFinite(v)) {
      this.fail(at + key, `expected a finite number, found ${JSON.stringify(v)}`);
    }
    return v;
  }

  integer(
    d: Json,
    key: string,
    fallback: number | undefined,
    min?: number,
    max?: number,
    at = "",
  ): number {
    const v = this.number(d, key, fallback, at);
    if (
      !Number.isSafeInteger(v) ||
      (min !== undefined && v < min) ||
      (max !== undefined && v > max)
    ) {
      const range = `${min ?? "-inf"}..${max ?? "inf"}`;
      this.fail(at + key, `expected an integer in ${range}, found ${v}`);
    }
    return v;
  }

  boolean(d: Json, key: string, fallback: boolean, at = ""): boolean {
    const v = d[key];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean")
      this.fail(at + key, `expected true or false, found ${JSON.stringify(v)}`);
    return v;
  }
}
