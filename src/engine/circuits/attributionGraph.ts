/**
 * An attribution graph as circuit-tracer's Graph holds it (../shared/reference/circuits.md §2):
 * nodes in its order [active features][error nodes: nFeatures + ℓ·P + p][embeddings: p][logits],
 * and the dense adjacency, rows = targets, columns = sources. Only feature and logit rows are
 * non-zero.
 */
export type AttributionNode =
  | {
      type: "feature";
      layer: number;
      pos: number;
      feature: number;
      /** The latent's activation a. */
      activation: number;
    }
  | { type: "error"; layer: number; pos: number }
  | { type: "embedding"; pos: number; token: number }
  | {
      type: "logit";
      /** Always P − 1. */
      pos: number;
      token: number;
      /** Softmax probability at the last position: the node's weight in pruning. */
      probability: number;
    };

export interface AttributionGraph {
  prompt: string;
  /** Token ids, BOS included. */
  tokens: number[];
  /** Each token as text (what the JSON's prompt_tokens holds). */
  tokenStrings: string[];
  nLayer: number;
  /** Model identifier for the JSON's metadata.scan. */
  scan: string;
  /** Per-layer transcoder ids (metadata.transcoder_list); "" where a layer has none. */
  transcoderList: string[];
  nodes: AttributionNode[];
  nFeatures: number;
  /** nLayer · P. */
  nErrors: number;
  /** P. */
  nTokens: number;
  nLogits: number;
  /** [n, n] row-major, n = nodes.length: adjacency[t·n + s] = A[t, s]. */
  adjacency: Float32Array;
}
