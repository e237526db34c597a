import { syntheticGraph } from "./syntheticGraph.ts";

/** For tests: a 6-token, 4-layer graph with a few dozen nodes. */
export const smallGraph = () =>
  syntheticGraph({
    tokens: ["<|endoftext|>", "The", " cat", " sat", " on", " the"],
    nLayers: 4,
    features: 24,
    links: 90,
    logits: [
      { token: " mat", probability: 0.31 },
      { token: " floor", probability: 0.12 },
    ],
    seed: 7,
    slug: "cat-sat",
  });

/** For tests: the size the view must handle smoothly (500 nodes, 5,000 edges). */
export const largeGraph = () =>
  syntheticGraph({
    tokens: Array.from({ length: 16 }, (_, i) => (i === 0 ? "<|endoftext|>" : ` w${i}`)),
    nLayers: 4,
    features: 440,
    links: 5000,
    logits: Array.from({ length: 10 }, (_, k) => ({ token: ` t${k}`, probability: 0.3 / (k + 1) })),
    seed: 3,
    slug: "large",
  });
