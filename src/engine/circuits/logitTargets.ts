import { topIndices } from "../reference/dictionaryInference.ts";

/** circuit-tracer's defaults (attribution/attribute_transformerlens.py). */
export const MAX_N_LOGITS = 10;
export const DESIRED_LOGIT_PROB = 0.95;

export interface SalientLogits {
  /** Vocabulary ids, most probable first. */
  tokens: number[];
  /** Their softmax probabilities at the last position. */
  probabilities: Float64Array;
}

/** A logit target: its node and its row r = ū_k read at ln_final's output. */
export interface LogitTargets extends SalientLogits {
  /** [k, d] centred unembedding columns ū_k = W_U[:, k] − mean over the vocabulary of W_U. */
  vectors: Float32Array;
  /** [k] b_U[k] − mean(b_U): with ū_k, the centred logit logit_k − mean(logits). */
  biases: Float64Array;
}

/**
 * circuit-tracer's salient logits (attribution/targets.py `_from_salient`): the top
 * `maxLogits` by probability, cut to the smallest prefix whose cumulative probability reaches
 * `logitProb` (cutoff = searchsorted(cumsum, logitProb) + 1).
 */
export function salientLogits(
  logits: Float64Array,
  maxLogits = MAX_N_LOGITS,
  logitProb = DESIRED_LOGIT_PROB,
): SalientLogits {
  const probs = softmax(logits);
  const top = topIndices(probs, maxLogits);
  let cumulative = 0;
  let cutoff = top.length;
  for (let i = 0; i < top.length; i++) {
    cumulative += probs[top[i]!]!;
    if (cumulative >= logitProb) {
      cutoff = i + 1;
      break;
    }
  }
  const tokens = top.slice(0, cutoff);
  return { tokens, probabilities: Float64Array.from(tokens, (t) => probs[t]!) };
}

/** The salient logits with their centred unembedding rows; W_U [d, V], b_U [V]. */
export function logitTargets(
  logits: Float64Array,
  wU: Float32Array,
  bU: Float32Array,
  d: number,
  maxLogits = MAX_N_LOGITS,
  logitProb = DESIRED_LOGIT_PROB,
): LogitTargets {
  const V = bU.length;
  if (logits.length !== V || wU.length !== d * V) {
    throw new Error(`W_U has ${wU.length} values; expected d_model ${d} × vocabulary ${V}`);
  }
  const salient = salientLogits(logits, maxLogits, logitProb);
  // TransformerLens's center_unembed already centres W_U and b_U, so this is a no-op on
  // processed weights; it is kept so that unprocessed ones give the same targets.
  const meanColumn = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let k = 0; k < V; k++) s += wU[c * V + k]!;
    meanColumn[c] = s / V;
  }
  let meanBias = 0;
  for (let k = 0; k < V; k++) meanBias += bU[k]!;
  meanBias /= V;
  const vectors = new Float32Array(salient.tokens.length * d);
  salient.tokens.forEach((k, i) => {
    for (let c = 0; c < d; c++) vectors[i * d + c] = wU[c * V + k]! - meanColumn[c]!;
  });
  const biases = Float64Array.from(salient.tokens, (k) => bU[k]! - meanBias);
  return { ...salient, vectors, biases };
}

export function softmax(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = logits.map((v) => Math.exp(v - max));
  let sum = 0;
  for (const v of out) sum += v;
  return out.map((v) => v / sum);
}
