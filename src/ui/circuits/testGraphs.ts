import type { AttributionGraph } from "../../engine/circuits/attributionGraph.ts";
import { handGraph } from "../../engine/circuits/circuitTestGraphs.ts";
import { seededRandom } from "../../engine/dictionary/init.ts";
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

/**
 * For tests: a computed graph's full adjacency, as the worker keeps it to re-prune (570 nodes: 480
 * features on 4 layers × 16 positions, each fed by 14 random earlier sources, the 10 logits by
 * 300). At node threshold 1 it shows 555 nodes and 7,549 links; at 0.8, 266 nodes.
 */
export function reprunableGraph(): AttributionGraph {
  const nLayer = 4;
  const positions = 16;
  const nFeatures = 480;
  const nLogits = 10;
  const rand = seededRandom(5);
  const features = Array.from({ length: nFeatures }, (_, i): [number, number, number, number] => [
    Math.floor((i * nLayer) / nFeatures),
    1 + Math.floor(rand() * (positions - 1)),
    i,
    1 + rand(),
  ]);
  let left = 1;
  const logits = Array.from({ length: nLogits }, (_, k): [number, number] => {
    const p = k === nLogits - 1 ? left : left * 0.4;
    left -= p;
    return [1000 + k, p];
  });
  const tokens = Array.from({ length: positions }, (_, p) => p);
  const graph = handGraph({ nLayer, tokens, features, logits, edges: [] });
  const n = graph.nodes.length;
  // Where each node sits as a source: (layer, position); embeddings below layer 0.
  const at = graph.nodes.map((node) =>
    node.type === "embedding"
      ? [-1, node.pos]
      : node.type === "logit"
        ? [nLayer, positions - 1]
        : [node.layer, node.pos],
  );
  for (let t = 0; t < n; t++) {
    const target = graph.nodes[t]!;
    if (target.type !== "feature" && target.type !== "logit") continue;
    const [lt, pt] = at[t]!;
    const sources = [];
    for (let s = 0; s < n - nLogits; s++)
      if (at[s]![0]! < lt! && at[s]![1]! <= pt!) sources.push(s);
    for (let k = target.type === "logit" ? 300 : 14; k > 0 && sources.length > 0; k--) {
      const s = sources.splice(Math.floor(rand() * sources.length), 1)[0]!;
      graph.adjacency[t * n + s] = (rand() < 0.75 ? 1 : -1) * (0.5 + rand());
    }
  }
  return graph;
}
