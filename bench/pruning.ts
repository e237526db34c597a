/**
 * Times pruneGraph and computeGraphScores on a random graph shaped as attribution graphs are
 * (an edge only from a lower layer at the same or an earlier position), dense where allowed.
 * npx tsx bench/pruning.ts [nodes=8000] [layers=12] [positions=32]
 */
import type { AttributionGraph } from "../src/engine/circuits/attributionGraph.ts";
import { handGraph } from "../src/engine/circuits/circuitTestGraphs.ts";
import { buildGraphJson, graphJsonText } from "../src/engine/circuits/graphJson.ts";
import { computeGraphScores } from "../src/engine/circuits/graphScores.ts";
import { pruneGraph } from "../src/engine/circuits/pruning.ts";
import { seededRandom } from "../src/engine/dictionary/init.ts";

const [nodes = 8000, nLayer = 12, positions = 32] = process.argv.slice(2).map(Number);
const nLogits = 10;
const nFeatures = nodes - (nLayer + 1) * positions - nLogits;
const rand = seededRandom(1);
/** Wall seconds and this process's CPU seconds (the wall clock is unreliable on a shared machine). */
function timed<T>(run: () => T): { value: T; text: string } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const value = run();
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    value,
    text: `${((performance.now() - wall) / 1000).toFixed(2)} s (CPU ${cpuSeconds.toFixed(2)} s)`,
  };
}

function randomGraph(): AttributionGraph {
  const features = Array.from({ length: nFeatures }, (_, i): [number, number, number, number] => [
    Math.floor((i * nLayer) / nFeatures),
    Math.floor(rand() * positions),
    i,
    1,
  ]);
  let remaining = 1;
  const logits = Array.from({ length: nLogits }, (_, k): [number, number] => {
    const p = k === nLogits - 1 ? remaining : remaining * 0.5;
    remaining -= p;
    return [k, p];
  });
  const graph = handGraph({
    nLayer,
    tokens: Array.from({ length: positions }, (_, p) => p),
    features,
    logits,
    edges: [],
  });
  const n = graph.nodes.length;
  // (layer, pos) of each node as a source: features and errors at their layer, tokens at −1.
  const where = graph.nodes.map((node) =>
    node.type === "feature" || node.type === "error"
      ? [node.layer, node.pos]
      : node.type === "embedding"
        ? [-1, node.pos]
        : [nLayer, positions - 1],
  );
  for (let t = 0; t < n; t++) {
    const target = graph.nodes[t]!;
    if (target.type !== "feature" && target.type !== "logit") continue;
    const [lt, pt] = where[t]!;
    for (let s = 0; s < n - nLogits; s++) {
      const [ls, ps] = where[s]!;
      if (ls! < lt! && ps! <= pt!) graph.adjacency[t * n + s] = (rand() - 0.5) * rand() ** 4;
    }
  }
  return graph;
}

const built = timed(randomGraph);
const graph = built.value;
console.log(`graph: ${graph.nodes.length} nodes, built in ${built.text}`);
const pruning = timed(() => pruneGraph(graph));
const pruned = pruning.value;
const keptNodes = pruned.nodeMask.reduce((a, b) => a + b, 0);
const keptEdges = pruned.edgeMask.reduce((a, b) => a + b, 0);
console.log(`pruneGraph: ${pruning.text}, kept ${keptNodes} nodes and ${keptEdges} edges`);
const full = timed(() => computeGraphScores(graph));
const part = timed(() => computeGraphScores(graph, pruned));
const show = (s: { replacementScore: number; completenessScore: number }) =>
  `replacement ${s.replacementScore.toFixed(4)}, completeness ${s.completenessScore.toFixed(4)}`;
console.log(`scores, full graph: ${full.text}, ${show(full.value)}`);
console.log(`scores, pruned graph: ${part.text}, ${show(part.value)}`);
const written = timed(() =>
  graphJsonText(buildGraphJson(graph, { slug: "bench", decodeToken: String, pruned })),
);
console.log(`graph JSON: ${written.text}, ${(written.value.length / 1e6).toFixed(1)} MB`);
