import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import type { HookSite } from "../model/hooks.ts";
import type { FrozenModel } from "./frozenModel.ts";
import { rowScales, valueWeights } from "./modelFreeze.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

/** What a clean run's hooks held, per layer [P, d], and its attention patterns. */
export interface CleanHooks {
  at: (layer: number, site: HookSite) => Float64Array;
  patterns: readonly Float64Array[];
}

/**
 * The replacement model frozen at the prompt, as replacementForward builds it for the graph
 * (LayerNorm scales, attention patterns, W_V, W_O, W_skip), from a run the intervention made
 * anyway: the graph's own forward would cost a second pass with logits at every position.
 */
export function frozenModelOf(
  w: Gpt2Weights,
  set: TranscoderSet,
  clean: CleanHooks,
  P: number,
): FrozenModel {
  const { config } = w;
  const d = config.dModel;
  const scales = (x: Float64Array) => rowScales(x, P, d, config.lnEps);
  return {
    nLayer: config.nLayer,
    dModel: d,
    nHead: config.nHead,
    dHead: config.dHead,
    positions: P,
    layers: w.layers.map((lw, l) => ({
      ln1Scale: scales(clean.at(l, "hook_resid_pre")),
      pattern: clean.patterns[l]!,
      wV: valueWeights(lw.wQkv, d),
      wO: lw.wO,
      ln2Scale: scales(clean.at(l, "hook_resid_mid")),
      ...(set.layers[l]?.spec.skip ? { wSkip: set.layers[l].params.wSkip! } : {}),
    })),
    lnFinalScale: scales(clean.at(config.nLayer - 1, "hook_resid_post")),
  };
}
