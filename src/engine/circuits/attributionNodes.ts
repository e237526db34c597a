import { GPT2_EOT } from "../text/tokenizer.ts";
import type { AttributionNode } from "./attributionGraph.ts";
import type { AttributionSources, AttributionTargets } from "./frozenModel.ts";
import type { LogitTargets } from "./logitTargets.ts";
import type { ReplacementForward } from "./replacementForward.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

/**
 * circuit-tracer's ensure_tokenized: a special token first, prepended if the prompt's tokens do
 * not start with one. GPT-2's only special token, <|endoftext|>, is its BOS.
 */
export function withBos(tokens: readonly number[], bos = GPT2_EOT): number[] {
  return tokens[0] === bos ? [...tokens] : [bos, ...tokens];
}

/** The nodes of a graph, in circuit-tracer's order, with what the backward passes need. */
export interface AttributionProblem {
  /** [active features][errors: ℓ·P + p][embeddings: p][logits]. */
  nodes: AttributionNode[];
  nFeatures: number;
  nErrors: number;
  nTokens: number;
  nLogits: number;
  /** Every node but the logits, in node order: the adjacency's non-zero columns. */
  sources: AttributionSources;
  /** One row per feature node, in node order: its pre-activation. */
  featureTargets: AttributionTargets;
  /** One row per logit node: its centred logit. */
  logitTargets: AttributionTargets;
  /** Per feature target, b_enc[f]: the part of its pre-activation no path carries. */
  featureBiases: Float64Array;
  /** Per logit target, b_U[k] − mean(b_U). */
  logitBiases: Float64Array;
}

/**
 * Nodes, sources and targets at one prompt (../shared/reference/circuits.md §2):
 * - a feature node per (layer, pos, feature) with a ≠ 0 at pos ≥ 1, sorted that way; as
 *   circuit-tracer's zero_positions, features and errors at position 0 (BOS) are zeroed, so
 *   the BOS MLP output is a constant. Source: a·W_dec[f] at blocks.ℓ.hook_mlp_out. Target: the
 *   pre-activation, r = W_enc[:, f] times the transcoder's frozen input scale at that token,
 *   read at blocks.ℓ.ln2.hook_normalized;
 * - an error node per (layer, pos): e = y − ŷ at blocks.ℓ.hook_mlp_out (0 at position 0; a
 *   layer without a transcoder: its whole MLP output);
 * - an embedding node per position. GPT-2 has position embeddings, which circuit-tracer's
 *   models lack: here the node holds W_E[t_p] + W_pos[p], read at blocks.0.hook_resid_pre, so
 *   no part of the residual stream's input is left as an unattributed constant;
 * - a logit node per salient logit: r = ū_k at ln_final's output, last position.
 */
export function attributionProblem(
  forward: ReplacementForward,
  set: TranscoderSet,
  logits: LogitTargets,
): AttributionProblem {
  const { model, layers, tokens, weights } = forward;
  const { positions: P, dModel: d, nLayer } = model;
  const featureNodes: Extract<AttributionNode, { type: "feature" }>[] = [];
  layers.forEach((cap, layer) => {
    for (let pos = 1; pos < P; pos++) {
      for (let feature = 0; feature < cap.dSae; feature++) {
        const activation = cap.acts[pos * cap.dSae + feature]!;
        if (activation !== 0)
          featureNodes.push({ type: "feature", layer, pos, feature, activation });
      }
    }
  });
  const nFeatures = featureNodes.length;
  const nErrors = nLayer * P;
  const nSources = nFeatures + nErrors + P;
  const sources: AttributionSources = {
    count: nSources,
    slot: new Int32Array(nSources),
    pos: new Int32Array(nSources),
    vectors: new Float32Array(nSources * d),
  };
  const featureTargets = emptyTargets(nFeatures, d);
  const featureBiases = new Float64Array(nFeatures);
  featureNodes.forEach(({ layer, pos, feature, activation }, i) => {
    const { params } = set.layers[layer]!;
    const dSae = layers[layer]!.dSae;
    sources.slot[i] = layer;
    sources.pos[i] = pos;
    for (let c = 0; c < d; c++) {
      sources.vectors[i * d + c] = activation * params.wDec[feature * d + c]!;
    }
    featureTargets.layer[i] = layer;
    featureTargets.pos[i] = pos;
    const scale = layers[layer]!.inputScale[pos]!;
    for (let c = 0; c < d; c++) {
      featureTargets.vectors[i * d + c] = scale * params.wEnc[c * dSae + feature]!;
    }
    featureBiases[i] = params.bEnc[feature]!;
  });
  const errorNodes: AttributionNode[] = [];
  layers.forEach((cap, layer) => {
    for (let pos = 0; pos < P; pos++) {
      const i = nFeatures + layer * P + pos;
      errorNodes.push({ type: "error", layer, pos });
      sources.slot[i] = layer;
      sources.pos[i] = pos;
      if (pos > 0) sources.vectors.set(cap.error.subarray(pos * d, (pos + 1) * d), i * d);
    }
  });
  const embeddingNodes = tokens.map((token, pos): AttributionNode => {
    const i = nFeatures + nErrors + pos;
    sources.slot[i] = nLayer;
    sources.pos[i] = pos;
    for (let c = 0; c < d; c++) {
      sources.vectors[i * d + c] = weights.wte[token * d + c]! + weights.wpe[pos * d + c]!;
    }
    return { type: "embedding", pos, token };
  });
  const nLogits = logits.tokens.length;
  const logitTargets = emptyTargets(nLogits, d);
  logitTargets.layer.fill(nLayer);
  logitTargets.pos.fill(P - 1);
  logitTargets.vectors.set(logits.vectors);
  const logitNodes = logits.tokens.map((token, i): AttributionNode => ({
    type: "logit",
    pos: P - 1,
    token,
    probability: logits.probabilities[i]!,
  }));
  return {
    nodes: [...featureNodes, ...errorNodes, ...embeddingNodes, ...logitNodes],
    nFeatures,
    nErrors,
    nTokens: P,
    nLogits,
    sources,
    featureTargets,
    logitTargets,
    featureBiases,
    logitBiases: Float64Array.from(logits.biases),
  };
}

function emptyTargets(count: number, d: number): AttributionTargets {
  return {
    count,
    layer: new Int32Array(count),
    pos: new Int32Array(count),
    vectors: new Float32Array(count * d),
  };
}

/** The targets at `indices` of `targets`, in that order (a batch of rows). */
export function selectTargets(
  targets: AttributionTargets,
  indices: ArrayLike<number>,
  d: number,
): AttributionTargets {
  const out = emptyTargets(indices.length, d);
  for (let i = 0; i < indices.length; i++) {
    const t = indices[i]!;
    out.layer[i] = targets.layer[t]!;
    out.pos[i] = targets.pos[t]!;
    out.vectors.set(targets.vectors.subarray(t * d, (t + 1) * d), i * d);
  }
  return out;
}
