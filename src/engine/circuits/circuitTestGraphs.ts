/** Small attribution graphs built by hand, for the pruning, score and JSON tests. */
import type { AttributionGraph, AttributionNode } from "./attributionGraph.ts";

export interface HandGraphShape {
  nLayer: number;
  tokens: number[];
  /** (layer, pos, feature, activation) of each active feature, in graph order. */
  features: [number, number, number, number][];
  /** (token, probability) of each logit, top first. */
  logits: [number, number][];
  /** [target, source, weight] entries of the adjacency. */
  edges: [number, number, number][];
}

export function handGraph(shape: HandGraphShape): AttributionGraph {
  const { nLayer, tokens, features, logits } = shape;
  const positions = tokens.length;
  const nodes: AttributionNode[] = [
    ...features.map(([layer, pos, feature, activation]): AttributionNode => ({
      type: "feature",
      layer,
      pos,
      feature,
      activation,
    })),
    ...Array.from({ length: nLayer * positions }, (_, i): AttributionNode => ({
      type: "error",
      layer: Math.floor(i / positions),
      pos: i % positions,
    })),
    ...tokens.map((token, pos): AttributionNode => ({ type: "embedding", pos, token })),
    ...logits.map(([token, probability]): AttributionNode => ({
      type: "logit",
      pos: positions - 1,
      token,
      probability,
    })),
  ];
  const n = nodes.length;
  const adjacency = new Float32Array(n * n);
  for (const [t, s, weight] of shape.edges) adjacency[t * n + s] = weight;
  return {
    prompt: tokens.map((t) => `<${t}>`).join(""),
    tokens,
    tokenStrings: tokens.map((t) => `<${t}>`),
    nLayer,
    scan: "hand-graph",
    transcoderList: [],
    nodes,
    nFeatures: features.length,
    nErrors: nLayer * positions,
    nTokens: positions,
    nLogits: logits.length,
    adjacency,
  };
}

/**
 * circuit-tracer's tests/test_graph.py test_small_graph: 12 nodes (5 features, 2 layers × 2
 * positions of errors, 2 tokens, 1 logit), every edge 10, logit probability 1.
 */
export function circuitTracerSmallGraph(): AttributionGraph {
  const value = 10;
  const edges: [number, number, number][] = [
    ...[1, 3, 6, 8].map((s): [number, number, number] => [11, s, value]),
    ...[0, 1, 6].map((s): [number, number, number] => [3, s, value]),
    ...[9, 10].map((s): [number, number, number] => [1, s, value]),
    [0, 9, value],
  ];
  return handGraph({
    nLayer: 2,
    tokens: [0, 1],
    features: [1, 2, 3, 4, 5].map((f): [number, number, number, number] => [0, 1, f, f * 2]),
    logits: [[0, 1]],
    edges,
  });
}
