/**
 * circuit-tracer's graph file (frontend/graph_models.py, utils/create_graph_files.py) as
 * Neuronpedia's graph-schema.json also reads it (../shared/reference/circuits.md §5). Field
 * names are theirs, snake_case included.
 */

export const FEATURE_TYPES = {
  feature: "cross layer transcoder",
  error: "mlp reconstruction error",
  embedding: "embedding",
  logit: "logit",
} as const;

/** Neuronpedia's MAX_GRAPH_UPLOAD_SIZE_BYTES. */
export const MAX_GRAPH_JSON_BYTES = 100 * 1024 * 1024;

export interface GraphJsonMetadata {
  slug: string;
  /** Neuronpedia's model id; "custom-<hash>" when transcoder_list names a transcoder per layer. */
  scan: string;
  transcoder_list: string[];
  /** The prompt's tokens as text, BOS included. */
  prompt_tokens: string[];
  prompt: string;
  node_threshold: number | null;
  /** 1: `feature` is the Cantor pairing of (layer, feature index). */
  schema_version: number | null;
  /** Neuronpedia, optional: where the viewer finds feature details. */
  feature_details?: { feature_json_base_url?: string; neuronpedia_source_set?: string };
  /** Neuronpedia, optional: description, creator, generator... shown to the user. */
  info?: Record<string, unknown>;
  /** Neuronpedia, optional: the attribution settings (max_n_logits, desired_logit_prob, ...). */
  generation_settings?: Record<string, unknown>;
  /** Neuronpedia, optional: the pruning thresholds used. */
  pruning_settings?: { node_threshold?: number; edge_threshold?: number };
}

/** The viewer's saved state: pinned nodes, supernodes ([label, ...node_ids]), clicked node. */
export interface GraphJsonQParams {
  pinnedIds: string[];
  supernodes: string[][];
  linkType: string;
  clickedId: string;
  sg_pos: string;
}

export interface GraphJsonNode {
  node_id: string;
  /** Cantor-encoded (layer, index) for a feature, −1 for an error, the position for an
   * embedding, the vocabulary index for a logit; Neuronpedia allows null. */
  feature: number | null;
  /** The layer as a string; "E" for embeddings, nLayer + 1 for logits. */
  layer: string;
  ctx_idx: number;
  feature_type: string;
  token_prob: number;
  is_target_logit: boolean;
  run_idx: number;
  reverse_ctx_idx: number;
  jsNodeId: string;
  clerp: string;
  /** Cumulative share of the graph's influence (lower: more important); null for logits. */
  influence: number | null;
  /** The feature's activation; null for other nodes. */
  activation: number | null;
}

export interface GraphJsonLink {
  source: string;
  target: string;
  /** A[target, source], signed, unnormalised. */
  weight: number;
}

export interface GraphJson {
  metadata: GraphJsonMetadata;
  qParams: GraphJsonQParams;
  nodes: GraphJsonNode[];
  links: GraphJsonLink[];
}
