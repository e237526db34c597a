import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";

/**
 * A replacement model's transcoders: one per layer, each reading blocks.L.ln2.hook_normalized
 * and writing blocks.L.hook_mlp_out of the (processed) model it is bound to. A layer without one
 * (undefined) keeps its true MLP: its output is one error node per position.
 */
export interface TranscoderSet {
  /** What the set says it was trained on (its cfg's model_name). */
  modelName: string;
  layers: (SetTranscoder | undefined)[];
}

export interface SetTranscoder {
  spec: DictionarySpec;
  params: DictionaryParams;
  /** Where it came from (a file, a folder, a run): named in errors and in transcoder_list. */
  source: string;
}
