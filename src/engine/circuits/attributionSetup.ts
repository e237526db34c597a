import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { attributionProblem, withBos, type AttributionProblem } from "./attributionNodes.ts";
import { DESIRED_LOGIT_PROB, logitTargets, MAX_N_LOGITS } from "./logitTargets.ts";
import { replacementForward, type ReplacementForward } from "./replacementForward.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

export interface SetupOptions {
  /** circuit-tracer's max_n_logits (10). */
  maxLogits?: number;
  /** circuit-tracer's desired_logit_prob (0.95). */
  logitProb?: number;
  /** The special token put first when the prompt does not start with it (GPT-2's <|endoftext|>). */
  bos?: number;
}

export interface AttributionSetup {
  forward: ReplacementForward;
  problem: AttributionProblem;
}

/** The replacement model at the prompt (BOS first) and its nodes, sources and targets. */
export function setUpAttribution(
  weights: Gpt2Weights,
  set: TranscoderSet,
  tokens: readonly number[],
  options: SetupOptions = {},
): AttributionSetup {
  if (tokens.length === 0) throw new Error("the prompt is empty");
  const withBosFirst = withBos(tokens, options.bos);
  const nCtx = weights.config.nCtx;
  if (withBosFirst.length > nCtx) {
    throw new Error(
      `the prompt has ${withBosFirst.length} tokens with BOS first; the model's context is ${nCtx}`,
    );
  }
  const forward = replacementForward(weights, set, withBosFirst);
  const w = forward.weights;
  const logits = logitTargets(
    forward.logits,
    w.wU,
    w.bU,
    w.config.dModel,
    options.maxLogits ?? MAX_N_LOGITS,
    options.logitProb ?? DESIRED_LOGIT_PROB,
  );
  return { forward, problem: attributionProblem(forward, set, logits) };
}
