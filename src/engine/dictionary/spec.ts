/**
 * The one domain model: a dictionary reads activations at an input site and
 * reconstructs activations at a target site. An SAE is the case where the two
 * sites coincide; a transcoder maps an MLP's input to its output.
 */
export type DictionaryKind = "sae" | "transcoder";

export type NormalizeActivations = "none" | "expected_average_only_in";

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
  contextSize?: number;
  prependBos?: boolean;
  /** SAELens exclude_special_tokens: true (the tokenizer's), false, or token ids. */
  excludeSpecialTokens?: boolean | number[];
  datasetPath?: string;
}

/** Row-major f32 weights: W_enc [dIn, dSae], b_enc [dSae], W_dec [dSae, dOut], b_dec [dOut]. */
export interface DictionaryParams {
  wEnc: Float32Array<ArrayBuffer>;
  bEnc: Float32Array<ArrayBuffer>;
  wDec: Float32Array<ArrayBuffer>;
  bDec: Float32Array<ArrayBuffer>;
}
