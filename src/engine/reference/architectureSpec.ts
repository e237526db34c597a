/**
 * What the float64 references of the modern architectures train (architectures.md §2–§5):
 * TopK, BatchTopK, Matryoshka BatchTopK (synthetic.md §5) and JumpReLU, each as an SAE or a
 * transcoder, a transcoder optionally with a skip connection. Field names are SAELens's
 * training-config fields, camel-cased; the defaults are SAELens v6.18's.
 */
import { resolveMatryoshkaWidths } from "../dictionary/matryoshkaWidths.ts";
import type { DictionaryKind } from "../dictionary/spec.ts";

export type TrainingArchitecture = "topk" | "batchtopk" | "matryoshka_batchtopk" | "jumprelu";
export type SparsityLossMode = "step" | "tanh";

export interface ArchitectureSpec {
  kind: DictionaryKind;
  dIn: number;
  dSae: number;
  dOut: number;
  /** SAE only: x' = x − b_dec. A transcoder never shifts its input. */
  applyBDecToInput: boolean;
  architecture: TrainingArchitecture;
  /** topk: latents kept per row; (matryoshka_)batchtopk: per row on average, ⌊k·B⌋ per batch. */
  k: number;
  /** topk, batchtopk: select and decode on hidden_pre = pre·‖W_dec[j]‖. */
  rescaleActsByDecoderNorm: boolean;
  /** topk, batchtopk: weight of the AuxK loss. */
  auxLossCoefficient: number;
  /** batchtopk: rate of the running threshold τ ← (1 − lr)·τ + lr·min(f > 0). */
  topkThresholdLr: number;
  /**
   * matryoshka_batchtopk: the nested prefixes, strictly increasing, the last d_sae; empty means
   * matryoshkaWidths.ts's default ladder (architectureSpec resolves it).
   */
  matryoshkaWidths: number[];
  /** A latent is dead once more than this many steps have passed since it fired. */
  deadFeatureWindow: number;
  jumpreluInitThreshold: number;
  /** ε, the width of the rectangle kernel of the straight-through estimators. */
  jumpreluBandwidth: number;
  /** step: c·Σ_j H(π − θ) (DeepMind); tanh: c·Σ_j tanh(scale·f_j·‖W_dec[j]‖) (Anthropic). */
  jumpreluSparsityLossMode: SparsityLossMode;
  jumpreluTanhScale: number;
  l0Coefficient: number;
  /** jumprelu: Anthropic's pre-activation loss on dead latents; 0 is SAELens's None (off). */
  preActLossCoefficient: number;
  /** Transcoder only: y^ += x @ W_skipᵀ. */
  skip: boolean;
}

type Shape = "kind" | "dIn" | "dSae" | "dOut" | "applyBDecToInput" | "architecture";

export const ARCHITECTURE_DEFAULTS: Omit<ArchitectureSpec, Shape> = {
  k: 100,
  rescaleActsByDecoderNorm: true,
  auxLossCoefficient: 1,
  topkThresholdLr: 0.01,
  matryoshkaWidths: [],
  deadFeatureWindow: 1000,
  jumpreluInitThreshold: 0.01,
  jumpreluBandwidth: 0.05,
  jumpreluSparsityLossMode: "step",
  jumpreluTanhScale: 4,
  l0Coefficient: 1,
  preActLossCoefficient: 0,
  skip: false,
};

export type ArchitectureSpecInput = Pick<ArchitectureSpec, Shape> & Partial<ArchitectureSpec>;

/** The spec with SAELens's defaults filled in; throws on combinations that cannot train. */
export function architectureSpec(input: ArchitectureSpecInput): ArchitectureSpec {
  const s: ArchitectureSpec = { ...ARCHITECTURE_DEFAULTS, ...input };
  if (s.kind === "sae" && s.dIn !== s.dOut) throw new Error("an SAE needs dOut = dIn");
  if (s.skip && s.kind !== "transcoder") throw new Error("only a transcoder has a skip");
  if (s.architecture === "topk" && !(Number.isInteger(s.k) && s.k >= 1 && s.k <= s.dSae)) {
    throw new Error(`topk: k must be an integer in [1, dSae], got ${s.k}`);
  }
  if (s.architecture !== "jumprelu" && s.dOut < 2) {
    throw new Error("AuxK needs dOut >= 2 (k_aux = ⌊dOut / 2⌋)");
  }
  if (s.architecture === "matryoshka_batchtopk") {
    if (s.skip) throw new Error("matryoshka_batchtopk: a skip transcoder is not supported");
    s.matryoshkaWidths = resolveMatryoshkaWidths(s.matryoshkaWidths, s.dSae);
  }
  return s;
}

/** BatchTopK's selection over the batch and its running threshold τ. */
export function selectsOverBatch(s: Pick<ArchitectureSpec, "architecture">): boolean {
  return s.architecture === "batchtopk" || s.architecture === "matryoshka_batchtopk";
}

/** The input is x − b_dec. */
export function shiftsInput(s: ArchitectureSpec): boolean {
  return s.kind === "sae" && s.applyBDecToInput;
}

/** hidden_pre = pre·‖W_dec[j]‖ and the decoder reads f/‖W_dec[j]‖ (TopK family only). */
export function rescales(s: ArchitectureSpec): boolean {
  return s.architecture !== "jumprelu" && s.rescaleActsByDecoderNorm;
}

/**
 * Row-major float64 training parameters: W_enc [dIn, dSae], b_enc [dSae], W_dec [dSae, dOut],
 * b_dec [dOut]; log_threshold [dSae] for jumprelu; W_skip [dOut, dIn] with a skip.
 */
export interface ArchParams {
  wEnc: Float64Array;
  bEnc: Float64Array;
  wDec: Float64Array;
  bDec: Float64Array;
  logThreshold?: Float64Array;
  wSkip?: Float64Array;
}

export type ArchParamName = keyof ArchParams;

/** The trained parameters of a spec, in SAELens's state_dict order. */
export function paramNames(s: ArchitectureSpec): ArchParamName[] {
  return [
    "wEnc",
    "bEnc",
    "wDec",
    "bDec",
    ...(s.architecture === "jumprelu" ? (["logThreshold"] as const) : []),
    ...(s.skip ? (["wSkip"] as const) : []),
  ];
}

export function paramSize(s: ArchitectureSpec, name: ArchParamName): number {
  const sizes: Record<ArchParamName, number> = {
    wEnc: s.dIn * s.dSae,
    bEnc: s.dSae,
    wDec: s.dSae * s.dOut,
    bDec: s.dOut,
    logThreshold: s.dSae,
    wSkip: s.dOut * s.dIn,
  };
  return sizes[name];
}

export function zerosLikeParams(s: ArchitectureSpec): ArchParams {
  const out: Partial<ArchParams> = {};
  for (const name of paramNames(s)) out[name] = new Float64Array(paramSize(s, name));
  return out as ArchParams;
}

/** The parameter, which the spec says exists. */
export function param(p: ArchParams, name: ArchParamName): Float64Array {
  const t = p[name];
  if (t === undefined) throw new Error(`the parameters have no ${name}`);
  return t;
}
