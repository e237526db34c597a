/**
 * The data of SAELens's plot_sae_feature_similarity (synthetic/plotting.py@00d8113): signed
 * cosine similarities of latents (rows) against true features (columns), rounded to 2 decimals,
 * in [-1, 1] (an RdBu scale), with the latents reordered by find_best_feature_ordering =
 * argsort(argmax_j |cos_ij|), so each latent sits at the index of the feature it matches best and
 * a good dictionary draws a diagonal. Panels "SAE encoder" (W_encᵀ) and "SAE decoder" (W_dec),
 * both in the decoder's order.
 *
 * SAELens draws the whole matrix; for a page, the window is features [0, maxFeatures) and the
 * first maxLatents latents of the order whose best feature lies in it (the whole matrix when it
 * fits), which is the top-left block of SAELens's figure.
 */
import { bestMatches } from "./similarityMatrix.ts";

export interface SimilarityHeatmap {
  /** The rows' latent indices, in SAELens's order. */
  latents: Int32Array;
  /** Columns are true features 0 … features − 1. */
  features: number;
  /** [latents.length, features], each rounded to 2 decimals. */
  decoder: Float32Array;
  encoder?: Float32Array;
}

export interface HeatmapLimits {
  maxLatents: number;
  maxFeatures: number;
}

export const DEFAULT_HEATMAP_LIMITS: HeatmapLimits = { maxLatents: 128, maxFeatures: 128 };

/** argsort of each latent's best feature by |cos|; latents with equal best stay in index order. */
export function featureOrdering(cos: ArrayLike<number>, dSae: number, numFeatures: number) {
  const best = bestMatches(cos, dSae, numFeatures);
  const order = Int32Array.from({ length: dSae }, (_, i) => i);
  return { order: order.sort((a, b) => best[a]! - best[b]! || a - b), best };
}

/** torch.round(x * 100) / 100 in float32 (half to even, as torch.round). */
export function roundCos(x: number): number {
  const scaled = Math.fround(x * 100);
  let r = Math.round(scaled);
  if (r - scaled === 0.5 && r % 2 !== 0) r -= 1;
  return Math.fround(r / 100);
}

/** The window's latents (in order) and feature count. */
export function heatmapWindow(
  order: Int32Array,
  best: Int32Array,
  numFeatures: number,
  limits: HeatmapLimits = DEFAULT_HEATMAP_LIMITS,
): { latents: Int32Array; features: number } {
  const features = Math.min(numFeatures, limits.maxFeatures);
  const latents: number[] = [];
  for (const i of order) {
    if (latents.length >= limits.maxLatents || best[i]! >= features) break;
    latents.push(i);
  }
  return { latents: Int32Array.from(latents), features };
}

/** The window's rows of one panel's signed cos [dSae, numFeatures], rounded. */
export function heatmapPanel(
  cos: ArrayLike<number>,
  numFeatures: number,
  window: { latents: Int32Array; features: number },
): Float32Array {
  const { latents, features } = window;
  const out = new Float32Array(latents.length * features);
  latents.forEach((latent, r) => {
    for (let j = 0; j < features; j++) {
      out[r * features + j] = roundCos(cos[latent * numFeatures + j]!);
    }
  });
  return out;
}

/** The decoder panel (which fixes the order) and, when given, the encoder panel. */
export function similarityHeatmap(
  decoderCos: ArrayLike<number>,
  dSae: number,
  numFeatures: number,
  options: { encoderCos?: ArrayLike<number>; limits?: HeatmapLimits } = {},
): SimilarityHeatmap {
  const { order, best } = featureOrdering(decoderCos, dSae, numFeatures);
  const window = heatmapWindow(order, best, numFeatures, options.limits);
  const heatmap: SimilarityHeatmap = {
    ...window,
    decoder: heatmapPanel(decoderCos, numFeatures, window),
  };
  if (options.encoderCos) heatmap.encoder = heatmapPanel(options.encoderCos, numFeatures, window);
  return heatmap;
}
