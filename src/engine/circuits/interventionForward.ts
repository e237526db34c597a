import { ACTIVATIONS, layerNorm, linear } from "../model/gpt2Reference.ts";
import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import type { HookSite } from "../model/hooks.ts";
import { rowScales } from "./modelFreeze.ts";

/**
 * Called at each hook of each block, in forward order, with the activations [T, d]; it may
 * change them in place and the forward pass goes on from the changed values (splicing).
 */
export type InterventionHook = (layer: number, site: HookSite, acts: Float64Array) => void;

export interface FrozenPatterns {
  /** Query rows 0..rows−1 take their attention pattern from here; later rows compute theirs. */
  rows: number;
  /** Per layer [nHead, rows, rows]: pattern[h, query, key]. */
  patterns: readonly Float64Array[];
}

export interface PatchedForwardOptions {
  onHook?: InterventionHook;
  /** circuit-tracer's freeze_attention: the clean run's patterns at the prompt's positions. */
  frozen?: FrozenPatterns;
}

export interface PatchedRun {
  /** [V] logits at the last position. */
  logits: Float64Array;
  /** [d] the residual stream at the last position, before ln_final. */
  finalResid: Float64Array;
  /** Per layer [nHead, T, T]: the attention patterns used. */
  patterns: Float64Array[];
}

/**
 * Float64 GPT-2 forward pass, as gpt2Reference.ts computes it (the same hooks, the same
 * numbers), with what an intervention needs on top: hooks that change the activations, attention
 * patterns held at given values for the first rows, and logits only at the last position (one
 * unembedding instead of T, so a greedy generation step costs little more than the blocks).
 */
export function patchedForward(
  w: Gpt2Weights,
  tokens: readonly number[],
  options: PatchedForwardOptions = {},
): PatchedRun {
  const { dModel: d, dMlp, lnEps } = w.config;
  const T = tokens.length;
  const hook = options.onHook ?? (() => undefined);
  let resid = new Float64Array(T * d);
  tokens.forEach((t, p) => {
    for (let c = 0; c < d; c++) resid[p * d + c] = w.wte[t * d + c]! + w.wpe[p * d + c]!;
  });
  const activation = ACTIVATIONS[w.config.activation];
  const patterns = w.layers.map((l, layer) => {
    hook(layer, "hook_resid_pre", resid);
    const n1 = layerNorm(resid, l.ln1W, l.ln1B, T, d, lnEps);
    const qkv = linear(n1, l.wQkv, l.bQkv, T, d, 3 * d);
    const frozen = options.frozen && {
      rows: Math.min(options.frozen.rows, T),
      stride: options.frozen.rows,
      pattern: options.frozen.patterns[layer]!,
    };
    const { z, pattern } = attention(qkv, w.config.nHead, w.config.dHead, T, d, frozen);
    const attnOut = linear(z, l.wO, l.bO, T, d, d);
    hook(layer, "hook_attn_out", attnOut);
    const mid = resid.map((v, i) => v + attnOut[i]!);
    hook(layer, "hook_resid_mid", mid);
    // TransformerLens >= 3: the hook sees LayerNorm's output before its gain and bias.
    const normalized = layerNorm(mid, undefined, undefined, T, d, lnEps);
    hook(layer, "ln2.hook_normalized", normalized);
    const mlpIn = normalized.map((v, i) => v * l.ln2W[i % d]! + l.ln2B[i % d]!);
    const hidden = linear(mlpIn, l.wIn, l.bIn, T, d, dMlp).map(activation);
    const mlpOut = linear(hidden, l.wOut, l.bOut, T, dMlp, d);
    hook(layer, "hook_mlp_out", mlpOut);
    resid = mid.map((v, i) => v + mlpOut[i]!);
    hook(layer, "hook_resid_post", resid);
    return pattern;
  });
  const finalResid = resid.slice((T - 1) * d, T * d);
  return { logits: finalLogits(w, finalResid), finalResid, patterns };
}

/**
 * The logits of a last-position residual x: ln_final then the unembedding. With `scale`,
 * ln_final divides by that scale instead of x's own √(var + ε) (the scale held at a given value).
 */
export function finalLogits(w: Gpt2Weights, x: Float64Array, scale?: number): Float64Array {
  const { dModel: d, vocabSize: V, lnEps } = w.config;
  if (scale === undefined)
    return linear(layerNorm(x, w.lnFW, w.lnFB, 1, d, lnEps), w.wU, w.bU, 1, d, V);
  let mean = 0;
  for (let c = 0; c < d; c++) mean += x[c]!;
  mean /= d;
  const normalized = Float64Array.from(x, (v, c) => ((v - mean) / scale) * w.lnFW[c]! + w.lnFB[c]!);
  return linear(normalized, w.wU, w.bU, 1, d, V);
}

/** ln_final's scale for a last-position residual x: √(var(x) + ε). */
export function finalScale(w: Gpt2Weights, x: Float64Array): number {
  return rowScales(x, 1, w.config.dModel, w.config.lnEps)[0]!;
}

/** z [T, d] and the pattern [H, T, T]; rows below frozen.rows use the frozen pattern. */
function attention(
  qkv: Float64Array,
  H: number,
  DH: number,
  T: number,
  d: number,
  frozen: { rows: number; stride: number; pattern: Float64Array } | undefined,
): { z: Float64Array; pattern: Float64Array } {
  const z = new Float64Array(T * d);
  const pattern = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) {
    for (let q = 0; q < T; q++) {
      const row = pattern.subarray((h * T + q) * T, (h * T + q) * T + q + 1);
      if (frozen && q < frozen.rows) {
        const base = (h * frozen.stride + q) * frozen.stride;
        row.set(frozen.pattern.subarray(base, base + q + 1));
      } else {
        let max = -Infinity;
        for (let k = 0; k <= q; k++) {
          let dot = 0;
          for (let i = 0; i < DH; i++) {
            dot += qkv[q * 3 * d + h * DH + i]! * qkv[k * 3 * d + d + h * DH + i]!;
          }
          row[k] = dot / Math.sqrt(DH);
          max = Math.max(max, row[k]!);
        }
        let sum = 0;
        for (let k = 0; k <= q; k++) sum += row[k] = Math.exp(row[k]! - max);
        for (let k = 0; k <= q; k++) row[k]! /= sum;
      }
      for (let k = 0; k <= q; k++) {
        const a = row[k]!;
        if (a === 0) continue;
        for (let i = 0; i < DH; i++)
          z[q * d + h * DH + i]! += a * qkv[k * 3 * d + 2 * d + h * DH + i]!;
      }
    }
  }
  return { z, pattern };
}
