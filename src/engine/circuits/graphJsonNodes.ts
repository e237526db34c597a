/**
 * The graph file's node records, as circuit-tracer's graph_models.py Node.*_node builds them.
 * Ids, with P the prompt length and L the number of layers:
 * - feature (ℓ, p, f): node_id `{ℓ}_{f}_{p}`, jsNodeId `{ℓ}_{f}-0`, feature = Cantor(ℓ, f);
 * - error (ℓ, p): node_id `{ℓ}_-1_{p}` (circuit-tracer PRs #100/#102, merged 2026; before,
 *   `0_{ℓ}_{p}`, which collides with feature ℓ of layer 0), jsNodeId `{ℓ}_{p}-0` (as the code
 *   read at 4bb8c0e; whether those PRs changed it is unverified), feature = −1;
 * - embedding (p, token t): node_id `E_{t}_{p}`, jsNodeId `E_{t}-{p}`, feature = p;
 * - logit (token t): node_id `{L+1}_{t}_{P−1}`, jsNodeId `L_{t}-{P−1}`, feature = t.
 */
import { FEATURE_TYPES, type GraphJsonNode } from "./graphJsonTypes.ts";

/** Cantor pairing (x + y)(x + y + 1)/2 + y: schema_version 1's `feature` of (layer, index). */
export function cantorPair(layer: number, feature: number): number {
  const sum = layer + feature;
  return (sum * (sum + 1)) / 2 + feature;
}

/** The (layer, index) a Cantor-encoded `feature` came from. */
export function cantorUnpair(z: number): { layer: number; feature: number } {
  let sum = Math.floor((Math.sqrt(8 * z + 1) - 1) / 2);
  // Correct the float square root at large z.
  while ((sum * (sum + 1)) / 2 > z) sum--;
  while (((sum + 1) * (sum + 2)) / 2 <= z) sum++;
  const feature = z - (sum * (sum + 1)) / 2;
  return { layer: sum - feature, feature };
}

const REVERSE_CTX_IDX = 0;

function node(
  fields: Partial<GraphJsonNode> &
    Pick<GraphJsonNode, "node_id" | "feature" | "layer" | "ctx_idx" | "feature_type" | "jsNodeId">,
): GraphJsonNode {
  return {
    node_id: fields.node_id,
    feature: fields.feature,
    layer: fields.layer,
    ctx_idx: fields.ctx_idx,
    feature_type: fields.feature_type,
    token_prob: fields.token_prob ?? 0,
    is_target_logit: fields.is_target_logit ?? false,
    run_idx: 0,
    reverse_ctx_idx: REVERSE_CTX_IDX,
    jsNodeId: fields.jsNodeId,
    clerp: fields.clerp ?? "",
    influence: fields.influence ?? null,
    activation: fields.activation ?? null,
  };
}

export function featureNode(
  layer: number,
  pos: number,
  feature: number,
  influence: number | null,
  activation: number,
): GraphJsonNode {
  return node({
    node_id: `${layer}_${feature}_${pos}`,
    feature: cantorPair(layer, feature),
    layer: String(layer),
    ctx_idx: pos,
    feature_type: FEATURE_TYPES.feature,
    jsNodeId: `${layer}_${feature}-${REVERSE_CTX_IDX}`,
    influence,
    activation,
  });
}

export function errorNode(layer: number, pos: number, influence: number | null): GraphJsonNode {
  return node({
    node_id: `${layer}_-1_${pos}`,
    feature: -1,
    layer: String(layer),
    ctx_idx: pos,
    feature_type: FEATURE_TYPES.error,
    jsNodeId: `${layer}_${pos}-${REVERSE_CTX_IDX}`,
    influence,
  });
}

export function embeddingNode(pos: number, token: number, influence: number | null): GraphJsonNode {
  return node({
    node_id: `E_${token}_${pos}`,
    feature: pos,
    layer: "E",
    ctx_idx: pos,
    feature_type: FEATURE_TYPES.embedding,
    jsNodeId: `E_${token}-${pos}`,
    influence,
  });
}

/** A logit node; the viewer reads its token and probability back from the clerp. */
export function logitNode(
  pos: number,
  token: number,
  tokenText: string,
  nLayer: number,
  isTargetLogit: boolean,
  probability: number,
): GraphJsonNode {
  const layer = String(nLayer + 1);
  return node({
    node_id: `${layer}_${token}_${pos}`,
    feature: token,
    layer,
    ctx_idx: pos,
    feature_type: FEATURE_TYPES.logit,
    token_prob: probability,
    is_target_logit: isTargetLogit,
    jsNodeId: `L_${token}-${pos}`,
    clerp: `Output "${tokenText}" (p=${pythonFixed3(probability)})`,
  });
}

/**
 * Python's f"{x:.3f}": like toFixed(3), except that an exact tie rounds to even. A binary
 * number is an exact tie at the third decimal only when x·16 is an odd integer.
 */
export function pythonFixed3(x: number): string {
  const text = x.toFixed(3);
  const sixteenths = x * 16;
  if (!Number.isInteger(sixteenths) || sixteenths % 2 === 0) return text;
  const thousandths = Math.round(x * 1000); // the tie rounded up (toFixed's choice)
  return thousandths % 2 === 0 ? text : ((thousandths - 1) / 1000).toFixed(3);
}
