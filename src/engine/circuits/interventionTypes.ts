/**
 * circuit-tracer's feature intervention (ReplacementModel.feature_intervention), as the
 * intervention engine and the worker's messages describe it.
 */

/** Set feature `feature` of layer `layer`'s transcoder at position `pos` to multiplier × a. */
export interface FeatureIntervention {
  layer: number;
  pos: number;
  feature: number;
  /** Of the feature's activation on the clean prompt: 0 ablates, 1 changes nothing. */
  multiplier: number;
}

/**
 * What computes each MLP's output after the intervened layer:
 * - "model": the model's own MLPs (circuit-tracer's default, constrained_layers=None); each
 *   transcoder only re-encodes its layer's new input to find the intervened features' current
 *   activations;
 * - "frozen-errors": the replacement model: each transcoder's reconstruction of its new input
 *   plus its error node held at the clean prompt's value (a layer without a transcoder keeps its
 *   whole clean MLP output), as the attribution graph sees the model.
 */
export type InterventionDownstream = "model" | "frozen-errors";

export interface InterventionOptions {
  /** circuit-tracer's freeze_attention: attention patterns held at the clean prompt's (default true). */
  freezeAttention?: boolean;
  /** Default "model". */
  downstream?: InterventionDownstream;
  /** Next tokens shown before and after (default 10). */
  topK?: number;
  /** Tokens generated greedily before and after, the intervention held at the prompt (default 0). */
  generate?: number;
}

export interface TopToken {
  token: number;
  probability: number;
  logit: number;
}

/** One token's centred logit (logit − mean over the vocabulary) before and after. */
export interface LogitChange {
  token: number;
  before: number;
  after: number;
  /** after − before. */
  actual: number;
  /**
   * after − before with ln_final's scale held at its clean value (the rest live: later layers'
   * MLPs and their LayerNorm scales recompute; attention as freezeAttention says). The graph
   * freezes that scale too, so for a last-layer feature this is its predicted change exactly;
   * at earlier layers what is left of the gap is the indirect paths through later MLPs.
   */
  actualLnFinalScaleHeld: number;
  /** Its next-token probability before and after. */
  probabilityBefore: number;
  probabilityAfter: number;
  /**
   * What the attribution graph's direct edges predict: Σ over the intervened features s of
   * (multiplier_s − 1) · A[logit, s], A the graph's unpruned adjacency (whose feature columns
   * carry a_s · W_dec[f_s]).
   */
  predicted: number;
}

/** An intervention as applied: the clean activation and the value it was set to. */
export interface AppliedIntervention extends FeatureIntervention {
  activation: number;
  value: number;
}

export interface InterventionOutcome {
  /** The prompt's tokens as run. */
  tokens: number[];
  interventions: AppliedIntervention[];
  before: TopToken[];
  after: TopToken[];
  /** Every token of `before` and `after`, in that order, once each. */
  changes: LogitChange[];
  /** Greedy continuations (token ids), when asked for. */
  generated?: { before: number[]; after: number[] };
}
