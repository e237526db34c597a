import { seededRandom } from "../dictionary/init.ts";
import type {
  Activation,
  DictionaryParams,
  DictionarySpec,
  NormalizeActivations,
} from "../dictionary/spec.ts";
import { transcoderSites } from "../model/hooks.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

/** One layer's random transcoder; undefined leaves the layer's MLP in place. */
export interface RandomTranscoderShape {
  dSae: number;
  activation: Activation;
  skip?: boolean;
  normalizeActivations?: NormalizeActivations;
}

/**
 * A seeded random transcoder set for tests and benchmarks: W_enc, W_dec Gaussian of unit-order
 * output, biases and JumpReLU thresholds non-zero, so that a fair share of latents is active.
 */
export function randomTranscoderSet(
  dModel: number,
  layers: readonly (RandomTranscoderShape | undefined)[],
  seed: number,
  modelName = "random",
): TranscoderSet {
  return {
    modelName,
    layers: layers.map((shape, l) =>
      shape ? randomTranscoder(dModel, l, shape, seed * 7919 + l, modelName) : undefined,
    ),
  };
}

function randomTranscoder(
  d: number,
  layer: number,
  shape: RandomTranscoderShape,
  seed: number,
  modelName: string,
): SetTranscoder {
  const rand = seededRandom(seed);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const fill = (n: number, scale: number, mean = 0) =>
    Float32Array.from({ length: n }, () => mean + scale * normal());
  const { dSae, activation } = shape;
  const sites = transcoderSites(layer);
  const spec: DictionarySpec = {
    kind: "transcoder",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: false,
    hookName: sites.input,
    hookNameOut: sites.output,
    modelName,
    normalizeActivations: shape.normalizeActivations ?? "none",
    activation,
    ...(shape.skip ? { skip: true } : {}),
  };
  const params: DictionaryParams = {
    wEnc: fill(d * dSae, 1 / Math.sqrt(d)),
    bEnc: fill(dSae, 0.2, -0.1),
    wDec: fill(dSae * d, 1 / Math.sqrt(dSae)),
    bDec: fill(d, 0.1),
    ...(activation.kind === "jumprelu"
      ? { threshold: Float32Array.from({ length: dSae }, () => 0.3 * rand()) }
      : {}),
    ...(shape.skip ? { wSkip: fill(d * d, 0.3 / Math.sqrt(d)) } : {}),
  };
  return { spec, params, source: `random layer ${layer}` };
}

/** ReLU, TopK (no ReLU, layer_norm input), JumpReLU + skip, TopK + skip (constant_norm_rescale). */
export const EVERY_ARCHITECTURE: RandomTranscoderShape[] = [
  { dSae: 24, activation: { kind: "relu" } },
  {
    dSae: 20,
    activation: { kind: "topk", k: 12, relu: false },
    normalizeActivations: "layer_norm",
  },
  { dSae: 28, activation: { kind: "jumprelu", relu: false }, skip: true },
  {
    dSae: 16,
    activation: { kind: "topk", k: 4 },
    skip: true,
    normalizeActivations: "constant_norm_rescale",
  },
];
