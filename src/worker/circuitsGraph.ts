/**
 * What the worker does with a kept attribution graph, without recomputing it: its graph file at
 * some thresholds (with the full and pruned scores in metadata.info), and a pinned subgraph's
 * own scores as Neuronpedia's viewer computes them (its subgraph-score worker): the pinned
 * features, the error nodes linked to a pinned node, every token and logit, over the pruned
 * graph's edges; unpinned features drop out, so what flowed through them counts as missing.
 */
import type { AttributionGraph } from "../engine/circuits/attributionGraph.ts";
import { buildGraphJson } from "../engine/circuits/graphJson.ts";
import { graphNodeIds } from "../engine/circuits/graphNodeIds.ts";
import type { GraphJson } from "../engine/circuits/graphJsonTypes.ts";
import { graphLayout } from "../engine/circuits/graphLayout.ts";
import { computeGraphScores, type GraphScores } from "../engine/circuits/graphScores.ts";
import { pruneGraph, type PruneResult } from "../engine/circuits/pruning.ts";
import type { CircuitScores, CircuitThresholds } from "./circuitsProtocol.ts";

export interface GraphFile {
  json: GraphJson;
  scores: CircuitScores;
  pruned: PruneResult;
}

/** The graph file at these thresholds; the scores also go in metadata.info, as files keep them. */
export function graphFile(
  graph: AttributionGraph,
  thresholds: CircuitThresholds,
  options: {
    slug: string;
    decodeToken: (token: number) => string;
    info?: Record<string, unknown>;
    full?: GraphScores;
  },
): GraphFile {
  const pruned = pruneGraph(graph, thresholds.node, thresholds.edge);
  const scores = {
    full: options.full ?? computeGraphScores(graph),
    pruned: computeGraphScores(graph, pruned),
  };
  const json = buildGraphJson(graph, {
    slug: options.slug,
    nodeThreshold: thresholds.node,
    edgeThreshold: thresholds.edge,
    decodeToken: options.decodeToken,
    pruned,
    info: {
      ...options.info,
      replacement_score: scores.pruned.replacementScore,
      completeness_score: scores.pruned.completenessScore,
      full_replacement_score: scores.full.replacementScore,
      full_completeness_score: scores.full.completenessScore,
    },
  });
  return { json, scores, pruned };
}

/**
 * The pinned subgraph's replacement and completeness scores; `why` instead when no feature is
 * pinned (Neuronpedia shows 0 then) or a pinned id is not in the graph.
 */
export function subgraphScores(
  graph: AttributionGraph,
  pruned: PruneResult,
  pinnedIds: readonly string[],
): { scores?: GraphScores; why?: string } {
  const { n, errorStart, tokenStart } = graphLayout(graph);
  const ids = graphNodeIds(graph);
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const pinned = new Set<number>();
  for (const id of pinnedIds) {
    const i = indexOf.get(id);
    if (i === undefined) return { why: `pinned node ${id} is not in this graph` };
    pinned.add(i);
  }
  if (![...pinned].some((i) => i < errorStart)) {
    return { why: "pin at least one feature for the subgraph's scores" };
  }
  const { edgeMask } = pruned;
  const nodeMask = new Uint8Array(n);
  for (let i = tokenStart; i < n; i++) nodeMask[i] = 1;
  for (const i of pinned) nodeMask[i] = 1;
  for (let e = errorStart; e < tokenStart; e++) {
    if (nodeMask[e]) continue;
    for (const p of pinned) {
      if (edgeMask[p * n + e] || edgeMask[e * n + p]) {
        nodeMask[e] = 1;
        break;
      }
    }
  }
  return { scores: computeGraphScores(graph, { nodeMask, edgeMask }) };
}
