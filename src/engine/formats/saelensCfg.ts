/**
 * SAELens cfg.json <-> DictionarySpec.
 *
 * SAELens 6 writes `{architecture, d_in, d_sae, [d_out], dtype, device,
 * apply_b_dec_to_input, normalize_activations, reshape_activations, metadata: {...}}`
 * and decides whether a cfg is in that format from `sae_lens_version` (top level or in
 * metadata): when it is missing or below 6.0.0-rc.0 it reads the fields the pre-6 way,
 * from the top level, and drops the nested metadata. So what we write must carry a 6.x
 * `metadata.sae_lens_version`.
 */
import {
  activationOf,
  saelensArchitecture,
  type Activation,
  type DictionarySpec,
  type NormalizeActivations,
} from "../dictionary/spec.ts";
import { FormatError } from "./formatError.ts";
import { describe } from "./safetensorsHeader.ts";

/**
 * The SAELens format version we write: the lowest release with nested metadata. SAELens
 * parses it with packaging.Version, so it must stay a PEP 440 version >= 6.0.0.
 */
export const SAELENS_FORMAT_VERSION = "6.0.0";
export const SAELENS_CFG_FILENAME = "cfg.json";
export const SAELENS_WEIGHTS_FILENAME = "sae_weights.safetensors";

/**
 * SAELens 6 inference architectures we read (batchtopk is saved as jumprelu); all but
 * jumprelu_skip_transcoder are registered in SAELens 6.18 (see JUMPRELU_SKIP_TRANSCODER_NOTE).
 */
export const SUPPORTED_ARCHITECTURES = [
  "standard",
  "topk",
  "jumprelu",
  "gated",
  "transcoder",
  "skip_transcoder",
  "jumprelu_transcoder",
  "jumprelu_skip_transcoder",
] as const;
/**
 * Written and read here, not by SAELens 6, which has no TopK transcoder: the name the
 * architecture references and spec.ts use, in a folder laid out like SAELens's (a TopK
 * transcoder trained here is saved this way; see toSaelensCfg's `topkTranscoder`).
 */
export const PLAYGROUND_ARCHITECTURES = ["topk_transcoder", "topk_skip_transcoder"] as const;
export type SaelensArchitecture =
  (typeof SUPPORTED_ARCHITECTURES)[number] | (typeof PLAYGROUND_ARCHITECTURES)[number];

/** Refused by name: what they are and why they cannot be one dictionary here. */
const REFUSED_ARCHITECTURES: Record<string, string> = {
  temporal: "a temporal SAE reads a window of earlier tokens' activations, not one site per token",
  matching_pursuit: "a matching-pursuit SAE encodes by an iterative greedy search, not one product",
  clt: "a cross-layer transcoder writes to every later layer, not one target site",
  matryoshka_batchtopk: "it is a training architecture; SAELens saves it as jumprelu",
  batchtopk: "it is a training architecture; SAELens saves it as jumprelu",
};

/** What a SAELens cfg.json says, with what the weights reader must do beyond the spec. */
export interface SaelensCfg {
  spec: DictionarySpec;
  architecture: SaelensArchitecture;
  /** topk (and topk_transcoder): latents were computed on pre·‖W_dec row‖; folded in on load. */
  rescaleActsByDecoderNorm: boolean;
  /** expected_average_only_in: the scale, when the cfg carries one. */
  normScalingFactor?: number;
}

/** Options of the training run that SAELens has no field for, kept in metadata. */
export type ExtraMetadata = Record<string, unknown>;

/**
 * cfg.json for weights saved with any activation normalisation folded in, so
 * `normalize_activations` is "none"; the training-time setting goes to
 * metadata.training_normalize_activations. A TopK transcoder is refused unless
 * `topkTranscoder` asks for PLAYGROUND_ARCHITECTURES' name, which SAELens cannot load.
 */
export function toSaelensCfg(
  spec: DictionarySpec,
  extraMetadata: ExtraMetadata = {},
  options: { topkTranscoder?: boolean } = {},
): Record<string, unknown> {
  const transcoder = spec.kind === "transcoder";
  const act = activationOf(spec);
  if (act.kind === "jumprelu" && !act.relu) {
    throw new Error(
      "toSaelensCfg: SAELens's JumpReLU applies a ReLU; convert the thresholds first",
    );
  }
  if (act.kind === "topk" && act.relu === false) {
    throw new Error("toSaelensCfg: SAELens's TopK applies a ReLU; this one keeps negative values");
  }
  if (transcoder && act.kind === "topk" && !options.topkTranscoder) {
    throw new Error("toSaelensCfg: SAELens 6 has no TopK transcoder architecture");
  }
  if (!transcoder && (spec.dOut !== spec.dIn || spec.hookNameOut !== spec.hookName)) {
    throw new Error("toSaelensCfg: an SAE must have dOut = dIn and hookNameOut = hookName");
  }
  if (transcoder && spec.applyBDecToInput) {
    throw new Error("toSaelensCfg: SAELens transcoders cannot apply b_dec to the input");
  }
  const metadata: Record<string, unknown> = {
    // First, so that it cannot replace the fields SAELens reads.
    ...extraMetadata,
    sae_lens_version: SAELENS_FORMAT_VERSION,
    // Not trained by SAELens; left out, SAELens would fill in its own version.
    sae_lens_training_version: null,
    model_name: spec.modelName,
    hook_name: spec.hookName,
    hook_head_index: null,
    ...(transcoder ? { hook_name_out: spec.hookNameOut, hook_head_index_out: null } : {}),
    context_size: spec.contextSize ?? null,
    prepend_bos: spec.prependBos ?? null,
    ...(spec.excludeSpecialTokens === undefined
      ? {}
      : { exclude_special_tokens: spec.excludeSpecialTokens }),
    dataset_path: spec.datasetPath ?? null,
    training_normalize_activations: spec.normalizeActivations,
    // The MLP module's input after ln_2's gain and bias exists only without fold_ln (as SAELens's
    // mwhanna loader says); a head-concatenated hook_z is reshaped as SAELens reshapes it.
    ...(/\.mlp\.hook_in$/.test(spec.hookName)
      ? { model_from_pretrained_kwargs: { fold_ln: false } }
      : {}),
  };
  return {
    architecture: saelensArchitecture(spec),
    d_in: spec.dIn,
    d_sae: spec.dSae,
    ...(transcoder ? { d_out: spec.dOut } : {}),
    dtype: "float32",
    device: "cpu",
    apply_b_dec_to_input: transcoder ? false : spec.applyBDecToInput,
    // A per-token normalisation stays; a constant scale has been folded into the weights.
    normalize_activations:
      spec.normalizeActivations === "expected_average_only_in" ? "none" : spec.normalizeActivations,
    reshape_activations: /\.hook_z$/.test(spec.hookName) ? "hook_z" : "none",
    ...(act.kind === "topk" ? { k: act.k, rescale_acts_by_decoder_norm: false } : {}),
    metadata,
  };
}

/**
 * Why a TopK transcoder's folder says topk_transcoder (kept in its cfg.json's metadata). No
 * SAELens release read here registers a TopK transcoder (6.18, nor 6.30.1 to 6.51.1).
 */
export const TOPK_TRANSCODER_NOTE =
  "SAELens has no TopK transcoder (6.18 and the later releases up to 6.51.1 register none): this " +
  "folder is laid out like SAELens's (decoder norms folded in, k in cfg.json) under the name the " +
  "playground and its references use, topk_transcoder; npm run eval and the playground load it, " +
  "SAELens does not.";

/**
 * Why a JumpReLU skip transcoder's folder needs a newer SAELens than 6.18: 6.18's
 * sae_lens/__init__.py registers transcoder, skip_transcoder and jumprelu_transcoder only, so
 * SAE.load_from_disk fails in get_sae_class. Releases from 6.30.1 on (the earliest read here;
 * decoderesearch/SAELens's changelog places the class with Gemma Scope 2, v6.24.0) register
 * JumpReLUSkipTranscoder under this name, with SkipTranscoder's W_skip [d_out, d_in].
 */
export const JUMPRELU_SKIP_TRANSCODER_NOTE =
  "jumprelu_skip_transcoder is not registered in SAELens 6.18, so SAE.load_from_disk there " +
  "fails on this folder; SAELens 6.30.1 and later register it (JumpReLUSkipTranscoder) and " +
  "load it; npm run eval and the playground load it too.";

/** The note a folder of this spec carries because SAELens 6.18 cannot load it, if any. */
export function saelensLoadNote(spec: DictionarySpec): string | undefined {
  if (spec.kind !== "transcoder") return undefined;
  const act = activationOf(spec).kind;
  if (act === "topk") return TOPK_TRANSCODER_NOTE;
  if (act === "jumprelu" && spec.skip) return JUMPRELU_SKIP_TRANSCODER_NOTE;
  return undefined;
}

/**
 * cfg.json for a trained, downloaded or converted folder: SAELens's, except that a TopK
 * transcoder, which SAELens cannot express, is written under the architecture name
 * "topk_transcoder": one folder format for every dictionary, which our loaders read back. A
 * folder SAELens 6.18 cannot load says why in metadata.note (saelensLoadNote).
 */
export function runSaelensCfg(
  spec: DictionarySpec,
  extraMetadata: ExtraMetadata = {},
): Record<string, unknown> {
  const topkTranscoder = spec.kind === "transcoder" && activationOf(spec).kind === "topk";
  const note = saelensLoadNote(spec);
  return toSaelensCfg(spec, note ? { ...extraMetadata, note } : extraMetadata, {
    topkTranscoder,
  });
}

type Obj = Record<string, unknown>;

/** Site and model names of a config that does not give them. */
export const UNKNOWN = "unknown";

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a SAELens cfg.json (6.x with nested metadata, or older with model_name,
 * hook_name / hook_point and hook_layer at the top level). Fields are looked up in
 * metadata first, then at the top level, as SAELens's pre-6 conversion does.
 */
export function parseSaelensCfg(json: unknown, file: string): DictionarySpec {
  return readSaelensCfg(json, file).spec;
}

/** parseSaelensCfg with what the weights reader needs besides the spec. */
export function readSaelensCfg(json: unknown, file: string): SaelensCfg {
  if (!isObj(json)) throw new FormatError(file, `expected a JSON object, found ${describe(json)}`);
  const meta = json.metadata;
  if (meta !== undefined && !isObj(meta)) {
    throw new FormatError(file, `field "metadata" must be an object, found ${describe(meta)}`);
  }
  const r = new CfgReader(json, meta ?? {}, file);
  const arch = architecture(r);
  const transcoder = arch.includes("transcoder");
  const dIn = r.positiveInt("d_in");
  const dSae = r.positiveInt("d_sae");
  const dOut = transcoder ? r.positiveInt("d_out") : dIn;
  const dtype = r.optional("dtype", "string");
  if (dtype !== undefined && !/^(torch\.)?(float32|float64|float16|bfloat16)$/.test(dtype)) {
    r.fail("dtype", `is ${describe(dtype)}; expected float32, float64, float16 or bfloat16`);
  }
  const applyBDec = r.optional("apply_b_dec_to_input", "boolean") ?? !transcoder;
  if (transcoder && applyBDec) {
    r.fail("apply_b_dec_to_input", "is true; expected false for a transcoder");
  }
  // Names of the sites, recorded but not needed to train or run the weights: a config without
  // them (e.g. one written by hand for activations dumped elsewhere) loads with "unknown".
  const hookName = r.meta("hook_name", "hook_point", UNKNOWN);
  const headIndex = r.metaValue("hook_head_index", "hook_point_head_index");
  if (headIndex !== undefined && headIndex !== null) {
    r.fail(
      r.metaField("hook_head_index"),
      `is ${describe(headIndex)}; per-head dictionaries are not supported yet (expected null)`,
    );
  }
  const spec: DictionarySpec = {
    kind: transcoder ? "transcoder" : "sae",
    dIn,
    dSae,
    dOut,
    applyBDecToInput: applyBDec,
    hookName,
    hookNameOut: transcoder ? r.meta("hook_name_out", undefined, UNKNOWN) : hookName,
    modelName: r.meta("model_name", undefined, UNKNOWN),
    normalizeActivations: normalizeActivations(r),
  };
  const act = activation(r, arch);
  if (act.kind !== "relu") spec.activation = act;
  if (arch.includes("skip")) spec.skip = true;
  const contextSize = r.metaOptional("context_size", "number");
  if (contextSize !== undefined) {
    if (!Number.isSafeInteger(contextSize) || contextSize <= 0) {
      r.fail(r.metaField("context_size"), `is ${contextSize}; expected a positive integer`);
    }
    spec.contextSize = contextSize;
  }
  const prependBos = r.metaOptional("prepend_bos", "boolean");
  if (prependBos !== undefined) spec.prependBos = prependBos;
  const datasetPath = r.metaOptional("dataset_path", "string");
  if (datasetPath !== undefined) spec.datasetPath = datasetPath;
  const exclude = r.metaValue("exclude_special_tokens");
  if (typeof exclude === "boolean") spec.excludeSpecialTokens = exclude;
  else if (Array.isArray(exclude) && exclude.every((t) => Number.isSafeInteger(t) && t >= 0)) {
    spec.excludeSpecialTokens = exclude as number[];
  } else if (exclude !== undefined && exclude !== null) {
    r.fail(
      r.metaField("exclude_special_tokens"),
      `is ${describe(exclude)}; expected true, false or a list of token ids`,
    );
  }
  const out: SaelensCfg = {
    spec,
    architecture: arch,
    rescaleActsByDecoderNorm:
      arch.startsWith("topk") && (r.optional("rescale_acts_by_decoder_norm", "boolean") ?? false),
  };
  const scale = r.metaOptional("norm_scaling_factor", "number");
  if (scale !== undefined) {
    if (!(scale > 0) || !Number.isFinite(scale)) {
      r.fail(r.metaField("norm_scaling_factor"), `is ${scale}; expected a positive number`);
    }
    out.normScalingFactor = scale;
  }
  return out;
}

function architecture(r: CfgReader): SaelensArchitecture {
  const activation =
    r.optional("activation_fn", "string") ?? r.optional("activation_fn_str", "string");
  let arch = r.optional("architecture", "string");
  if (arch === undefined) {
    if (r.isV6) r.fail("architecture", 'is missing; expected a string such as "standard"');
    arch = activation === "topk" ? "topk" : "standard";
  }
  const refusal = REFUSED_ARCHITECTURES[arch];
  if (refusal !== undefined) {
    throw new FormatError(
      r.file,
      `architecture ${JSON.stringify(arch)} cannot be loaded: ${refusal}`,
    );
  }
  const known = [...SUPPORTED_ARCHITECTURES, ...PLAYGROUND_ARCHITECTURES] as readonly string[];
  if (!known.includes(arch)) {
    throw new FormatError(
      r.file,
      `architecture ${JSON.stringify(arch)} is not supported; supported: ${SUPPORTED_ARCHITECTURES.join(", ")}`,
    );
  }
  if (activation !== undefined && activation !== "relu" && activation !== "topk") {
    r.fail(
      r.json.activation_fn !== undefined ? "activation_fn" : "activation_fn_str",
      `is ${JSON.stringify(activation)}; expected "relu" or "topk"`,
    );
  }
  return arch as SaelensArchitecture;
}

function activation(r: CfgReader, arch: SaelensArchitecture): Activation {
  if (arch.startsWith("topk")) {
    const kwargs = r.json.activation_fn_kwargs;
    const k = r.json.k ?? (isObj(kwargs) ? kwargs.k : undefined);
    if (typeof k !== "number" || !Number.isSafeInteger(k) || k <= 0) {
      const found = k === undefined ? "missing" : `${describe(k)}`;
      r.fail("k", `is ${found}; expected a positive integer for a topk SAE`);
    }
    return { kind: "topk", k };
  }
  // Gated converts exactly to JumpReLU (saelensWeights.ts).
  if (arch === "jumprelu" || arch === "gated" || arch.startsWith("jumprelu_")) {
    return { kind: "jumprelu", relu: true };
  }
  return { kind: "relu" };
}

function normalizeActivations(r: CfgReader): NormalizeActivations {
  const v = r.json.normalize_activations;
  if (v === undefined || v === null || v === false || v === "none") return "none";
  if (v === true || v === "expected_average_only_in") return "expected_average_only_in";
  if (v === "constant_norm_rescale" || v === "layer_norm") return v;
  return r.fail(
    "normalize_activations",
    `is ${describe(v)}; expected "none", "expected_average_only_in", "constant_norm_rescale" or "layer_norm"`,
  );
}

type TypeName = "string" | "number" | "boolean";
type TypeOf<T extends TypeName> = T extends "string"
  ? string
  : T extends "number"
    ? number
    : boolean;

class CfgReader {
  readonly isV6: boolean;
  constructor(
    readonly json: Obj,
    readonly metadata: Obj,
    readonly file: string,
  ) {
    const version = metadata.sae_lens_version ?? json.sae_lens_version;
    const major = typeof version === "string" ? Number.parseInt(version, 10) : NaN;
    this.isV6 = major >= 6;
  }

  fail(field: string, problem: string): never {
    throw new FormatError(this.file, `field ${JSON.stringify(field)} ${problem}`);
  }

  /** Top-level field, undefined when absent or null. */
  optional<T extends TypeName>(key: string, type: T): TypeOf<T> | undefined {
    return this.check(key, this.json[key], type);
  }

  positiveInt(key: string): number {
    const v = this.json[key];
    if (v === undefined) this.fail(key, "is missing; expected a positive integer");
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
      this.fail(key, `is ${describe(v)}; expected a positive integer`);
    }
    return v;
  }

  /** Where a metadata field is expected, for messages. */
  metaField(key: string): string {
    return this.isV6 || key in this.metadata ? `metadata.${key}` : key;
  }

  /** A metadata field from metadata, else the top level, else under its pre-6 name. */
  metaValue(key: string, oldKey?: string): unknown {
    if (key in this.metadata) return this.metadata[key];
    if (key in this.json) return this.json[key];
    return oldKey === undefined ? undefined : this.json[oldKey];
  }

  /** A required string metadata field. */
  meta(key: string, oldKey?: string, fallback?: string): string {
    const v = this.metaValue(key, oldKey);
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (v === undefined || v === null)
      this.fail(this.metaField(key), "is missing; expected a string");
    if (typeof v !== "string")
      this.fail(this.metaField(key), `is ${describe(v)}; expected a string`);
    return v;
  }

  metaOptional<T extends TypeName>(key: string, type: T): TypeOf<T> | undefined {
    return this.check(this.metaField(key), this.metaValue(key), type);
  }

  private check<T extends TypeName>(field: string, v: unknown, type: T): TypeOf<T> | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== type) this.fail(field, `is ${describe(v)}; expected a ${type}`);
    return v as TypeOf<T>;
  }
}
