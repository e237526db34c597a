import { softmax } from "./logitTargets.ts";
import type { TopToken } from "./interventionTypes.ts";

/** The k most probable next tokens, most probable first (ties: lower id). */
export function topTokens(logits: Float64Array, k: number): TopToken[] {
  const probabilities = softmax(logits);
  const top: number[] = [];
  for (let t = 0; t < logits.length; t++) {
    const v = logits[t]!;
    if (top.length === k && v <= logits[top[k - 1]!]!) continue;
    let i = top.length < k ? top.length : k - 1;
    if (top.length < k) top.push(t);
    while (i > 0 && logits[top[i - 1]!]! < v) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = t;
  }
  return top.map((token) => ({
    token,
    probability: probabilities[token]!,
    logit: logits[token]!,
  }));
}

/** logit − mean(logits): circuit-tracer's centred logit, what a logit node's value is. */
export function centredLogit(logits: Float64Array, token: number): number {
  return logits[token]! - meanOf(logits);
}

export function meanOf(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * n tokens by argmax, each from `nextLogits` of the tokens so far (the model reads at most `maxLength` tokens); `first` are the prompt's own next-token logits, already computed.
 */
export function greedyTokens(
  prompt: readonly number[],
  first: Float64Array,
  n: number,
  maxLength: number,
  nextLogits: (tokens: number[]) => Float64Array,
): number[] {
  const tokens = [...prompt];
  const out: number[] = [];
  let logits: Float64Array | undefined = first;
  while (out.length < n && logits) {
    const next = topTokens(logits, 1)[0]!.token;
    out.push(next);
    tokens.push(next);
    logits = out.length < n && tokens.length <= maxLength ? nextLogits(tokens) : undefined;
  }
  return out;
}

/** Refuses a count that is not an integer ≥ least, naming it. */
export function checkCount(name: string, value: number, least: number): void {
  if (!Number.isInteger(value) || value < least) {
    throw new Error(`${name} must be an integer ≥ ${least}, got ${value}`);
  }
}
