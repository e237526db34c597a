import { seededRandom } from "../dictionary/init.ts";
import type {
  AttributionSources,
  AttributionTargets,
  FrozenLayer,
  FrozenModel,
} from "./frozenModel.ts";

export interface RandomFrozenModelShape {
  nLayer: number;
  dModel: number;
  nHead: number;
  positions: number;
  /** Every layer's transcoder has a W_skip. */
  skip: boolean;
  /** Every layer has an unfolded ln1 gain. */
  ln1Gain: boolean;
}

/**
 * A FrozenModel with random weights, causal softmax patterns and LayerNorm scales in
 * [0.5, 2) (tests and benchmarks of the backward passes).
 */
export function randomFrozenModel(shape: RandomFrozenModelShape, seed: number): FrozenModel {
  const { nLayer, dModel: d, nHead, positions: P } = shape;
  const rand = seededRandom(seed);
  const gauss = gaussian(rand);
  const weights = () => Float32Array.from({ length: d * d }, () => gauss() / Math.sqrt(d));
  const scales = () => Float64Array.from({ length: P }, () => 0.5 + 1.5 * rand());
  const layers = Array.from({ length: nLayer }, (): FrozenLayer => {
    const layer: FrozenLayer = {
      ln1Scale: scales(),
      pattern: causalPatterns(nHead, P, gauss),
      wV: weights(),
      wO: weights(),
      ln2Scale: scales(),
    };
    if (shape.ln1Gain) layer.ln1Gain = Float32Array.from({ length: d }, () => 0.5 + rand());
    if (shape.skip) layer.wSkip = weights();
    return layer;
  });
  return {
    nLayer,
    dModel: d,
    nHead,
    dHead: d / nHead,
    positions: P,
    layers,
    lnFinalScale: scales(),
  };
}

/** `count` sources with random vectors at the given slots and positions. */
export function randomSources(
  model: FrozenModel,
  slots: number[],
  positions: number[],
  seed: number,
): AttributionSources {
  const gauss = gaussian(seededRandom(seed));
  const count = slots.length;
  return {
    count,
    slot: Int32Array.from(slots),
    pos: Int32Array.from(positions),
    vectors: Float32Array.from({ length: count * model.dModel }, gauss),
  };
}

/** Targets with random rows at the given layers (nLayer: a logit) and positions. */
export function randomTargets(
  model: FrozenModel,
  layers: number[],
  positions: number[],
  seed: number,
): AttributionTargets {
  const gauss = gaussian(seededRandom(seed));
  const count = layers.length;
  return {
    count,
    layer: Int32Array.from(layers),
    pos: Int32Array.from(positions),
    vectors: Float32Array.from({ length: count * model.dModel }, gauss),
  };
}

/** One random source at every (slot, position), embeddings included. */
export function sourcesAtEverySlot(model: FrozenModel, seed: number): AttributionSources {
  const slots: number[] = [];
  const positions: number[] = [];
  for (let slot = 0; slot <= model.nLayer; slot++)
    for (let p = 0; p < model.positions; p++) {
      slots.push(slot);
      positions.push(p);
    }
  return randomSources(model, slots, positions, seed);
}

/** A random feature target at every (layer, position), then `logits` logit targets. */
export function targetsAtEveryLayer(
  model: FrozenModel,
  logits: number,
  seed: number,
): AttributionTargets {
  const layers: number[] = [];
  const positions: number[] = [];
  for (let l = 0; l < model.nLayer; l++)
    for (let p = 0; p < model.positions; p++) {
      layers.push(l);
      positions.push(p);
    }
  for (let k = 0; k < logits; k++) {
    layers.push(model.nLayer);
    positions.push(model.positions - 1);
  }
  return randomTargets(model, layers, positions, seed);
}

function causalPatterns(nHead: number, P: number, gauss: () => number): Float64Array {
  const pattern = new Float64Array(nHead * P * P);
  for (let h = 0; h < nHead; h++)
    for (let p = 0; p < P; p++) {
      const row = (h * P + p) * P;
      let total = 0;
      for (let q = 0; q <= p; q++) total += pattern[row + q] = Math.exp(gauss());
      for (let q = 0; q <= p; q++) pattern[row + q]! /= total;
    }
  return pattern;
}

function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
