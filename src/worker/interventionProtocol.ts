/**
 * Interventions and steering, keyed by a requestId the page picks:
 * - intervene → intervention-result or intervention-error: circuit-tracer's feature
 *   intervention with a transcoder set, to test what an attribution graph claims;
 * - steer → steer-result or steer-error: one dictionary's α·W_dec[f] added at its site.
 * Both run in float64 on the host weights of the built-in model.
 */
import type {
  AppliedIntervention,
  FeatureIntervention,
  InterventionDownstream,
  LogitChange,
  TopToken,
} from "../engine/circuits/interventionTypes.ts";
import type { TranscoderSetRef } from "./circuitsProtocol.ts";
import type { FeatureDictionaryRef } from "./protocol.ts";

/** The prompt as text (tokenized, BOS put first) or as token ids (a graph's prompt_tokens). */
export type InterventionPrompt = { text: string } | { tokens: number[] };

/** One of the graph's edges from an intervened feature to a logit node (as shown, pruned or not). */
export interface GraphLogitEdge {
  /** Index into the request's interventions. */
  intervention: number;
  /** The logit node's vocabulary id. */
  token: number;
  /** A[logit, feature]: the link's weight. */
  weight: number;
}

export interface InterventionRequest {
  type: "intervene";
  requestId: string;
  set: TranscoderSetRef;
  prompt: InterventionPrompt;
  interventions: FeatureIntervention[];
  /** Tokens to generate greedily before and after (0 or absent: none). */
  generate?: number;
  /** Next tokens shown (default 10). */
  topK?: number;
  /** Default "model" (circuit-tracer's default). */
  downstream?: InterventionDownstream;
  /** Default true (circuit-tracer's freeze_attention). */
  freezeAttention?: boolean;
  /** The graph's edges to logits, if the page has them: each change then has predictedFromGraph. */
  graphEdges?: GraphLogitEdge[];
}

export interface SteerRequest {
  type: "steer";
  requestId: string;
  dictionary: FeatureDictionaryRef;
  text: string;
  feature: number;
  alpha: number;
  generate?: number;
  topK?: number;
}

export type ToWorkerIntervention = InterventionRequest | SteerRequest;

/** A token with its text (untrusted: render as text). */
export type ShownToken = TopToken & { text: string };

export type ShownChange = LogitChange & {
  text: string;
  /** Σ (multiplier − 1) · weight over the given graph edges to this token. */
  predictedFromGraph?: number;
};

export interface InterventionResult {
  /** The prompt's tokens as run, decoded (BOS first). */
  tokens: string[];
  interventions: AppliedIntervention[];
  before: ShownToken[];
  after: ShownToken[];
  changes: ShownChange[];
  /** Greedy continuations, decoded. */
  generated?: { before: string; after: string };
  downstream: InterventionDownstream;
  freezeAttention: boolean;
  ms: number;
}

export interface SteerResult {
  tokens: string[];
  site: string;
  feature: number;
  alpha: number;
  before: ShownToken[];
  after: ShownToken[];
  generated?: { before: string; after: string };
  ms: number;
}

export type FromWorkerIntervention =
  | { type: "intervention-result"; requestId: string; result: InterventionResult }
  | { type: "intervention-error"; requestId: string; message: string }
  | { type: "steer-result"; requestId: string; result: SteerResult }
  | { type: "steer-error"; requestId: string; message: string };

const TYPES = new Set(["intervene", "steer"]);

export function isInterventionMessage(m: { type: string }): m is ToWorkerIntervention {
  return TYPES.has(m.type);
}
