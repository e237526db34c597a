/**
 * The one domain model: a dictionary reads activations at an input site and
 * reconstructs activations at a target site. An SAE is the case where the two
 * sites coincide; a transcoder maps an MLP's input to its output.
 */
export type DictionaryKind = "sae" | "transcoder";

/**
 * SAELens normalize_activations. "expected_average_only_in" is a constant scale, folded into
 * the weights once known; "constant_norm_rescale" (x·√d_in/‖x‖) and "layer_norm" (OpenAI's:
 * (x − μ)/(σ + 1e-5), σ the unbiased standard deviation) act per token on the input, and an
 * SAE's reconstruction is mapped back with that token's statistics (a transcoder's output is
 * not: SAELens's Transcoder).
 */
export type NormalizeActivations =
  "none" | "expected_average_only_in" | "constant_norm_rescale" | "layer_norm";

/**
 * How latents are computed from the pre-activations `pre = x' @ W_enc + b_enc`:
 * - relu: ReLU(pre) (SAELens "standard", "transcoder");
 * - topk: the k largest of `pre` per row, then ReLU; the rest 0 (ties: lower index first);
 *   with `relu: false` the kept values stay as they are, negative ones too (OpenAI's TopK with
 *   postact_fn Identity);
 * - jumprelu: pre·[pre > θ], θ = params.threshold; with `relu`, ReLU(pre)·[pre > θ] as SAELens
 *   computes it (the two differ only where θ < 0; circuit-tracer's has no ReLU).
 */
export type Activation =
  | { kind: "relu" }
  | { kind: "topk"; k: number; /** Absent: true. */ relu?: boolean }
  | { kind: "jumprelu"; relu: boolean };

export const RELU: Activation = { kind: "relu" };

export interface DictionarySpec {
  kind: DictionaryKind;
  dIn: number;
  dSae: number;
  dOut: number;
  /** SAE only: subtract b_dec from the input before encoding (SAELens default). */
  applyBDecToInput: boolean;
  /** TransformerLens hook name of the input site. */
  hookName: string;
  /** TransformerLens hook name of the target site (equals hookName for an SAE). */
  hookNameOut: string;
  modelName: string;
  normalizeActivations: NormalizeActivations;
  /** Absent: ReLU (what the trainer trains today). */
  activation?: Activation;
  /** A transcoder with a skip connection: y^ += x @ W_skipᵀ, W_skip [dOut, dIn]. */
  skip?: boolean;
  contextSize?: number;
  prependBos?: boolean;
  /** SAELens exclude_special_tokens: true (the tokenizer's), false, or token ids. */
  excludeSpecialTokens?: boolean | number[];
  datasetPath?: string;
}

/**
 * Row-major f32 weights: W_enc [dIn, dSae], b_enc [dSae], W_dec [dSae, dOut], b_dec [dOut];
 * threshold [dSae] for JumpReLU, W_skip [dOut, dIn] with a skip connection.
 */
export interface DictionaryParams {
  wEnc: Float32Array<ArrayBuffer>;
  bEnc: Float32Array<ArrayBuffer>;
  wDec: Float32Array<ArrayBuffer>;
  bDec: Float32Array<ArrayBuffer>;
  threshold?: Float32Array<ArrayBuffer>;
  wSkip?: Float32Array<ArrayBuffer>;
}

export function activationOf(spec: DictionarySpec): Activation {
  return spec.activation ?? RELU;
}

/**
 * SAELens's architecture name for the spec (what cfg.json's "architecture" says); a TopK
 * transcoder, which SAELens 6 lacks, is "topk_transcoder" or "topk_skip_transcoder".
 */
export function saelensArchitecture(spec: DictionarySpec): string {
  const act = activationOf(spec).kind;
  if (spec.kind === "sae") return act === "relu" ? "standard" : act;
  const base = act === "relu" ? "" : `${act}_`;
  return `${base}${spec.skip ? "skip_transcoder" : "transcoder"}`;
}
