import type { AttributionGraph } from "./attributionGraph.ts";
import { embeddingNode, errorNode, featureNode, logitNode } from "./graphJsonNodes.ts";

/** Each node's circuit-tracer node_id (what the graph JSON names it), in the adjacency's order. */
export function graphNodeIds(graph: AttributionGraph): string[] {
  return graph.nodes.map((node) => {
    switch (node.type) {
      case "feature":
        return featureNode(node.layer, node.pos, node.feature, null, node.activation).node_id;
      case "error":
        return errorNode(node.layer, node.pos, null).node_id;
      case "embedding":
        return embeddingNode(node.pos, node.token, null).node_id;
      case "logit":
        return logitNode(node.pos, node.token, "", graph.nLayer, false, node.probability).node_id;
    }
  });
}
