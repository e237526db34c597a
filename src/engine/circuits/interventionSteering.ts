import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { parseHookName } from "../model/hooks.ts";
import { patchedForward, type InterventionHook } from "./interventionForward.ts";
import { checkCount, greedyTokens, topTokens } from "./interventionLogits.ts";
import type { TopToken } from "./interventionTypes.ts";

export interface SteeringOptions {
  /** Next tokens shown before and after (default 10). */
  topK?: number;
  /** Tokens generated greedily before and after, steered at every position (default 0). */
  generate?: number;
}

export interface SteeringOutcome {
  /** Where α·W_dec[f] was added: an SAE's hook, a transcoder's output hook. */
  site: string;
  before: TopToken[];
  after: TopToken[];
  /** Greedy continuations (token ids), when asked for. */
  generated?: { before: number[]; after: number[] };
}

/**
 * Steering with one dictionary's feature: α·W_dec[f] added at the site the dictionary writes
 * (an SAE's hook, a transcoder's hook_mlp_out) at every position, the prompt's and the generated
 * ones, the rest of the model running as usual. W_dec is taken as stored, in the units of the
 * site; α = 0 is the clean model. Float64 on the host, like the feature intervention.
 */
export function steerFeature(
  weights: Gpt2Weights,
  dictionary: { spec: DictionarySpec; params: DictionaryParams },
  feature: number,
  alpha: number,
  tokens: readonly number[],
  options: SteeringOptions = {},
): SteeringOutcome {
  const { spec, params } = dictionary;
  const { config } = weights;
  const d = config.dModel;
  const site = spec.kind === "transcoder" ? spec.hookNameOut : spec.hookName;
  const at = parseHookName(site, config.nLayer);
  const width = spec.kind === "transcoder" ? spec.dOut : spec.dIn;
  if (width !== d) {
    throw new Error(
      `the dictionary writes ${width} values at ${site}; the model's d_model is ${d}`,
    );
  }
  if (!Number.isInteger(feature) || feature < 0 || feature >= spec.dSae) {
    throw new Error(
      `feature ${feature} is not one of the dictionary's ${spec.dSae} (0..${spec.dSae - 1})`,
    );
  }
  if (!Number.isFinite(alpha)) throw new Error(`α must be a finite number, got ${alpha}`);
  if (tokens.length === 0) throw new Error("the prompt has no tokens");
  if (tokens.length > config.nCtx) {
    throw new Error(
      `the prompt has ${tokens.length} tokens; the model's context is ${config.nCtx}`,
    );
  }
  const topK = options.topK ?? 10;
  const generate = options.generate ?? 0;
  checkCount("topK", topK, 1);
  checkCount("generate", generate, 0);
  const direction = params.wDec.subarray(feature * d, (feature + 1) * d);
  const onHook: InterventionHook = (layer, name, acts) => {
    if (layer !== at.layer || name !== at.site) return;
    for (let i = 0; i < acts.length; i++) acts[i]! += alpha * direction[i % d]!;
  };
  const clean = (ids: readonly number[]) => patchedForward(weights, ids).logits;
  const steered = (ids: readonly number[]) => patchedForward(weights, ids, { onHook }).logits;
  const cleanLogits = clean(tokens);
  const steeredLogits = steered(tokens);
  const outcome: SteeringOutcome = {
    site,
    before: topTokens(cleanLogits, topK),
    after: topTokens(steeredLogits, topK),
  };
  if (generate > 0) {
    outcome.generated = {
      before: greedyTokens(tokens, cleanLogits, generate, config.nCtx, clean),
      after: greedyTokens(tokens, steeredLogits, generate, config.nCtx, steered),
    };
  }
  return outcome;
}
