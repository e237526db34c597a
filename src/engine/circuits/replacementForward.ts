import { referenceForward } from "../model/gpt2Reference.ts";
import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { hookName, type HookSite } from "../model/hooks.ts";
import { processWeights } from "../model/processWeights.ts";
import type { FrozenLayer, FrozenModel } from "./frozenModel.ts";
import { attentionPattern, rowScales, valueWeights } from "./modelFreeze.ts";
import { captureLayer, type LayerCapture } from "./transcoderCapture.ts";
import type { TranscoderSet } from "./transcoderSet.ts";
import { checkSetFits } from "./transcoderSetFit.ts";

export interface ReplacementForward {
  /** The processed weights every capture refers to. */
  weights: Gpt2Weights;
  tokens: number[];
  model: FrozenModel;
  layers: LayerCapture[];
  /** [V] logits at the last position. */
  logits: Float64Array;
}

/**
 * Float64 forward of the model on `tokens` with each layer's transcoder read off it: the true
 * activations, the transcoders' latents and reconstructions, the error nodes, and the model
 * frozen at this prompt (LayerNorm scales, attention patterns, W_V, W_O, W_skip).
 *
 * Weights are TransformerLens-processed first (a no-op if they are): ln2.hook_normalized and
 * every LayerNorm scale are the same either way, and the centred logits too.
 */
export function replacementForward(
  weights: Gpt2Weights,
  set: TranscoderSet,
  tokens: readonly number[],
): ReplacementForward {
  const w = processWeights(weights);
  const { config } = w;
  checkTokens(tokens, config.nCtx, config.vocabSize);
  checkSetFits(set, config);
  const P = tokens.length;
  const d = config.dModel;
  const run = referenceForward(w, tokens);
  const hook = (l: number, site: HookSite) => run.hooks.get(hookName(l, site))!;
  const layers = w.layers.map((_, l) =>
    captureLayer(set.layers[l], hook(l, "ln2.hook_normalized"), hook(l, "hook_mlp_out"), P, d),
  );
  const frozenLayers = w.layers.map((lw, l): FrozenLayer => ({
    ln1Scale: rowScales(hook(l, "hook_resid_pre"), P, d, config.lnEps),
    pattern: attentionPattern(lw, hook(l, "hook_resid_pre"), w, P),
    wV: valueWeights(lw.wQkv, d),
    wO: lw.wO,
    ln2Scale: rowScales(hook(l, "hook_resid_mid"), P, d, config.lnEps),
    ...(set.layers[l]?.spec.skip ? { wSkip: set.layers[l].params.wSkip! } : {}),
  }));
  const model: FrozenModel = {
    nLayer: config.nLayer,
    dModel: d,
    nHead: config.nHead,
    dHead: config.dHead,
    positions: P,
    layers: frozenLayers,
    lnFinalScale: rowScales(hook(config.nLayer - 1, "hook_resid_post"), P, d, config.lnEps),
  };
  const V = config.vocabSize;
  const logits = run.logits.slice((P - 1) * V, P * V);
  return { weights: w, tokens: [...tokens], model, layers, logits };
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
