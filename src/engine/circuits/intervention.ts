import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { hookName, type HookSite } from "../model/hooks.ts";
import { processWeights } from "../model/processWeights.ts";
import {
  finalLogits,
  finalScale,
  patchedForward,
  type FrozenPatterns,
} from "./interventionForward.ts";
import { frozenModelOf } from "./interventionFrozenModel.ts";
import { interventionHook } from "./interventionHook.ts";
import { centredLogit, checkCount, greedyTokens, topTokens } from "./interventionLogits.ts";
import { predictedLogitChanges } from "./interventionPredicted.ts";
import { softmax } from "./logitTargets.ts";
import type {
  AppliedIntervention,
  FeatureIntervention,
  InterventionOptions,
  InterventionOutcome,
  LogitChange,
} from "./interventionTypes.ts";
import { captureLayer } from "./transcoderCapture.ts";
import type { TranscoderSet } from "./transcoderSet.ts";
import { checkSetFits } from "./transcoderSetFit.ts";

/**
 * circuit-tracer's ReplacementModel.feature_intervention with its defaults
 * (freeze_attention=True, constrained_layers=None), in float64 on the host:
 * - each listed feature is set to multiplier × its activation on the clean prompt: at its
 *   layer's hook_mlp_out, (value − its current activation) · W_dec[f] is added at its position,
 *   the current activation being the transcoder's encoding of that layer's input in this run (so
 *   an earlier intervention's effect on it counts);
 * - attention patterns are held at the clean prompt's; LayerNorm scales are recomputed (each
 *   change is also given with ln_final's scale held at its clean value, as the graph holds it);
 * - later layers recompute with the model's own MLPs (or, with downstream "frozen-errors", the
 *   replacement model: reconstructions plus clean error nodes).
 * It reports the top next tokens before and after, each one's centred logit change beside what
 * the graph's direct edges predict, and optionally greedy continuations with the intervention
 * held at the prompt's positions (circuit-tracer's feature_intervention_generate: the generated
 * positions compute their own attention).
 *
 * `tokens` run as given: the caller puts BOS first as the attribution does (withBos).
 */
export function featureIntervention(
  weights: Gpt2Weights,
  set: TranscoderSet,
  tokens: readonly number[],
  interventions: readonly FeatureIntervention[],
  options: InterventionOptions = {},
): InterventionOutcome {
  const topK = options.topK ?? 10;
  const generate = options.generate ?? 0;
  checkCount("topK", topK, 1);
  checkCount("generate", generate, 0);
  const w = processWeights(weights);
  checkTokens(tokens, w.config.nCtx, w.config.vocabSize);
  checkSetFits(set, w.config);
  checkInterventions(set, interventions, tokens.length);
  const P = tokens.length;
  const d = w.config.dModel;
  const hooks = new Map<string, Float64Array>();
  const at = (layer: number, site: HookSite) => hooks.get(hookName(layer, site))!;
  const clean = patchedForward(w, tokens, {
    onHook: (layer, site, acts) => hooks.set(hookName(layer, site), Float64Array.from(acts)),
  });
  const captures = set.layers.map((t, l) =>
    captureLayer(t, at(l, "ln2.hook_normalized"), at(l, "hook_mlp_out"), P, d),
  );
  const applied = interventions.map((iv): AppliedIntervention => {
    const cap = captures[iv.layer]!;
    const activation = cap.acts[iv.pos * cap.dSae + iv.feature]!;
    return { ...iv, activation, value: iv.multiplier * activation };
  });
  const frozen: FrozenPatterns | undefined =
    options.freezeAttention === false ? undefined : { rows: P, patterns: clean.patterns };
  const onHook = interventionHook({
    set,
    captures,
    interventions: applied,
    downstream: options.downstream ?? "model",
    positions: P,
    dModel: d,
  });
  const patched = (ids: readonly number[]) => patchedForward(w, ids, { onHook, frozen }).logits;
  const run = patchedForward(w, tokens, { onHook, frozen });
  const after = run.logits;
  const afterHeld = finalLogits(w, run.finalResid, finalScale(w, clean.finalResid));
  const before = topTokens(clean.logits, topK);
  const afterTop = topTokens(after, topK);
  const shown = [...new Set([...before, ...afterTop].map((t) => t.token))];
  const graphModel = frozenModelOf(w, set, { at, patterns: clean.patterns }, P);
  const predicted = predictedLogitChanges(graphModel, w, set, applied, shown);
  const pBefore = softmax(clean.logits);
  const pAfter = softmax(after);
  const changes = shown.map((token, i): LogitChange => {
    const b = centredLogit(clean.logits, token);
    const a = centredLogit(after, token);
    return {
      token,
      before: b,
      after: a,
      actual: a - b,
      actualLnFinalScaleHeld: centredLogit(afterHeld, token) - b,
      predicted: predicted[i]!,
      probabilityBefore: pBefore[token]!,
      probabilityAfter: pAfter[token]!,
    };
  });
  const outcome: InterventionOutcome = {
    tokens: [...tokens],
    interventions: applied,
    before,
    after: afterTop,
    changes,
  };
  if (generate > 0) {
    const nCtx = w.config.nCtx;
    outcome.generated = {
      before: greedyTokens(
        tokens,
        clean.logits,
        generate,
        nCtx,
        (ids) => patchedForward(w, ids).logits,
      ),
      after: greedyTokens(tokens, after, generate, nCtx, patched),
    };
  }
  return outcome;
}

/** Refuses an intervention that names no feature of the set at the prompt, saying which. */
function checkInterventions(
  set: TranscoderSet,
  interventions: readonly FeatureIntervention[],
  P: number,
): void {
  const seen = new Set<string>();
  interventions.forEach((iv, i) => {
    const { layer, pos, feature, multiplier } = iv;
    const what = `intervention ${i} (layer ${layer}, position ${pos}, feature ${feature})`;
    if (!Number.isInteger(layer) || layer < 0 || layer >= set.layers.length) {
      throw new Error(`${what}: the layer must be 0..${set.layers.length - 1}`);
    }
    const t = set.layers[layer];
    if (!t) throw new Error(`${what}: the set has no transcoder at layer ${layer}`);
    if (!Number.isInteger(pos) || pos < 0 || pos >= P) {
      throw new Error(`${what}: the position must be 0..${P - 1} (the prompt has ${P} tokens)`);
    }
    if (!Number.isInteger(feature) || feature < 0 || feature >= t.spec.dSae) {
      throw new Error(`${what}: the feature must be 0..${t.spec.dSae - 1} (${t.source})`);
    }
    if (!Number.isFinite(multiplier)) {
      throw new Error(`${what}: the multiplier must be a finite number, got ${multiplier}`);
    }
    const key = `${layer}/${pos}/${feature}`;
    if (seen.has(key)) throw new Error(`${what}: that feature is listed twice`);
    seen.add(key);
  });
}

function checkTokens(tokens: readonly number[], nCtx: number, vocab: number): void {
  if (tokens.length === 0) throw new Error("the prompt has no tokens");
  if (tokens.length > nCtx) {
    throw new Error(`the prompt has ${tokens.length} tokens; the model's context is ${nCtx}`);
  }
  const bad = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
  if (bad >= 0) {
    throw new Error(`token ${tokens[bad]} at position ${bad} is outside the vocabulary (${vocab})`);
  }
}
