import type { AttributionGraph } from "../engine/circuits/attributionGraph.ts";
import type { GraphScores } from "../engine/circuits/graphScores.ts";
import type { GraphJson } from "../engine/circuits/graphJsonTypes.ts";

export interface AttributeFigures {
  graph: AttributionGraph;
  json: GraphJson;
  full: GraphScores;
  pruned: GraphScores;
  passes: number;
  rows: number;
  batchRows: number;
  /** Seconds by stage, in order. */
  seconds: [stage: string, seconds: number][];
}

export function nonZeroEdges(adjacency: Float32Array): number {
  let count = 0;
  for (const a of adjacency) if (a !== 0) count++;
  return count;
}

const score = (s: GraphScores) =>
  `replacement ${s.replacementScore.toFixed(4)}, completeness ${s.completenessScore.toFixed(4)}`;

/** The run in four lines: sizes before and after pruning, scores, passes, seconds. */
export function summaryLines(f: AttributeFigures): string[] {
  const { graph, json } = f;
  const total = f.seconds.reduce((s, [, t]) => s + t, 0);
  const stages = f.seconds.map(([stage, t]) => `${stage} ${t.toFixed(2)}`).join(", ");
  return [
    `graph: ${graph.nodes.length} nodes (${graph.nFeatures} features, ${graph.nErrors} errors, ` +
      `${graph.nTokens} embeddings, ${graph.nLogits} logits), ${nonZeroEdges(graph.adjacency)} edges; ` +
      `pruned: ${json.nodes.length} nodes, ${json.links.length} edges`,
    `scores: full graph ${score(f.full)}; pruned graph ${score(f.pruned)}`,
    `${f.rows} rows in ${f.passes} backward passes of up to ${f.batchRows} rows ` +
      `(${(f.rows / Math.max(f.passes, 1)).toFixed(1)} rows per pass)`,
    `${total.toFixed(2)} s: ${stages}`,
  ];
}
