/**
 * The full, unpruned adjacency of an attribution graph as safetensors, with the node list, so that
 * anyone can check its edges (layout: npm run attribute -- --help).
 */
import type { AttributionGraph } from "../engine/circuits/attributionGraph.ts";
import { graphNodeIds } from "../engine/circuits/graphNodeIds.ts";
import { writeSafetensors } from "../engine/formats/safetensorsWrite.ts";

export function adjacencySafetensors(graph: AttributionGraph): Uint8Array<ArrayBuffer> {
  const n = graph.nodes.length;
  const features = graph.nodes
    .slice(0, graph.nFeatures)
    .flatMap((node) => (node.type === "feature" ? [node] : []));
  const logits = graph.nodes
    .slice(n - graph.nLogits)
    .flatMap((node) => (node.type === "logit" ? [node] : []));
  return writeSafetensors(
    [
      { name: "adjacency", dtype: "F32", shape: [n, n], data: graph.adjacency },
      {
        name: "tokens",
        dtype: "I32",
        shape: [graph.tokens.length],
        data: Int32Array.from(graph.tokens),
      },
      {
        name: "logit_tokens",
        dtype: "I32",
        shape: [logits.length],
        data: Int32Array.from(logits, (l) => l.token),
      },
      {
        name: "logit_probabilities",
        dtype: "F32",
        shape: [logits.length],
        data: Float32Array.from(logits, (l) => l.probability),
      },
      {
        name: "features",
        dtype: "I32",
        shape: [features.length, 3],
        data: Int32Array.from(features.flatMap((f) => [f.layer, f.pos, f.feature])),
      },
      {
        name: "activations",
        dtype: "F32",
        shape: [features.length],
        data: Float32Array.from(features, (f) => f.activation),
      },
    ],
    {
      node_ids: JSON.stringify(graphNodeIds(graph)),
      prompt: graph.prompt,
      scan: graph.scan,
      n_features: String(graph.nFeatures),
      n_errors: String(graph.nErrors),
      n_embeddings: String(graph.nTokens),
      n_logits: String(graph.nLogits),
    },
  );
}
