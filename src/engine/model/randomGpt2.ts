import { seededRandom } from "../dictionary/init.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import { transpose, type Gpt2Weights } from "./gpt2Weights.ts";

/**
 * Seeded random GPT-2 weights with non-trivial LayerNorm gains and biases (so that folding them
 * is exercised), for tests and benchmarks. Activations stay of order 1.
 */
export function randomGpt2Weights(config: Gpt2Config, seed: number): Gpt2Weights {
  const rand = seededRandom(seed);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const fill = (n: number, scale: number, mean = 0) =>
    Float32Array.from({ length: n }, () => mean + scale * normal());
  const { dModel: d, dMlp, vocabSize: V, nCtx } = config;
  const wte = fill(V * d, 0.3);
  return {
    config,
    processed: false,
    wte,
    wpe: fill(nCtx * d, 0.1),
    layers: Array.from({ length: config.nLayer }, () => ({
      ln1W: fill(d, 0.2, 1),
      ln1B: fill(d, 0.1),
      wQkv: fill(d * 3 * d, 1 / Math.sqrt(d)),
      bQkv: fill(3 * d, 0.1),
      wO: fill(d * d, 1 / Math.sqrt(d)),
      bO: fill(d, 0.1),
      ln2W: fill(d, 0.2, 1),
      ln2B: fill(d, 0.1),
      wIn: fill(d * dMlp, 1 / Math.sqrt(d)),
      bIn: fill(dMlp, 0.1),
      wOut: fill(dMlp * d, 1 / Math.sqrt(dMlp)),
      bOut: fill(d, 0.1),
    })),
    lnFW: fill(d, 0.2, 1),
    lnFB: fill(d, 0.1),
    wU: transpose(wte, V, d),
    bU: new Float32Array(V),
  };
}

export function tinyConfig(overrides: Partial<Gpt2Config> = {}): Gpt2Config {
  return {
    vocabSize: 37,
    nCtx: 9,
    dModel: 16,
    nLayer: 2,
    nHead: 4,
    dHead: 4,
    dMlp: 64,
    lnEps: 1e-5,
    activation: "gelu_new",
    ...overrides,
  };
}
