import type { Gpt2Weights } from "../model/gpt2Weights.ts";
import { decodeTokens } from "../text/tokenizer.ts";
import type { AttributionGraph } from "./attributionGraph.ts";
import { selectTargets, type AttributionProblem } from "./attributionNodes.ts";
import { setUpAttribution, type AttributionSetup, type SetupOptions } from "./attributionSetup.ts";
import type { AttributionTargets } from "./frozenModel.ts";
import { partialInfluences } from "./partialInfluence.ts";
import { rowBackend, type AttributionDevice } from "./rowBackend.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

/** circuit-tracer's update_interval: batches between re-rankings of the features to visit. */
const UPDATE_INTERVAL = 4;

export interface AttributeOptions extends SetupOptions {
  /** Feature rows to compute; the rest are dropped (default: every active feature). */
  maxFeatureNodes?: number;
  /** Target rows per backward pass (circuit-tracer's batch_size). */
  batchRows?: number;
  /** Rows by batched WGSL backward passes on this device; without one, the float64 reference. */
  device?: AttributionDevice;
  /** Rows done of the rows to do, and the backward passes so far. */
  onProgress?: (rowsDone: number, rowsTotal: number, passes: number) => void;
  signal?: AbortSignal;
  /** The graph's metadata: the prompt's text (default: its tokens decoded, BOS included). */
  prompt?: string;
  /** Default: the set's model name. */
  scan?: string;
}

export interface AttributionRun {
  graph: AttributionGraph;
  /** Backward passes taken (logit rows first, then feature rows). */
  passes: number;
  /** Target rows computed. */
  rows: number;
}

/**
 * An attribution graph for the prompt, as circuit-tracer's attribute_transformerlens.py builds
 * it: logit rows first, then feature rows `batchRows` at a time. With a feature-node cap, the
 * features are visited by their partial influence on the logits through the rows so far,
 * re-ranked every 4 batches, and the columns of unvisited features are dropped.
 */
export async function attribute(
  weights: Gpt2Weights,
  set: TranscoderSet,
  tokens: readonly number[],
  options: AttributeOptions = {},
): Promise<AttributionRun> {
  const batchRows = options.batchRows ?? 256;
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new Error(`batchRows must be a positive integer, got ${batchRows}`);
  }
  const maxFeatureNodes = options.maxFeatureNodes;
  if (
    maxFeatureNodes !== undefined &&
    !(Number.isInteger(maxFeatureNodes) && maxFeatureNodes >= 0)
  ) {
    throw new Error(`maxFeatureNodes must be a non-negative integer, got ${maxFeatureNodes}`);
  }
  const setup = setUpAttribution(weights, set, tokens, options);
  const { problem, forward } = setup;
  const { nFeatures, nLogits, sources } = problem;
  const cap = Math.min(maxFeatureNodes ?? nFeatures, nFeatures);
  const backend = await rowBackend(forward.model, sources, batchRows, options.device);
  const S = sources.count;
  const nodeCount = S + nLogits;
  const edgeRows = new Float32Array((cap + nLogits) * S);
  const rowToNode = new Int32Array(cap + nLogits);
  const rowsTotal = nLogits + cap;
  const d = forward.model.dModel;
  let rowsDone = 0;
  let passes = 0;
  const runBatch = async (
    targets: AttributionTargets,
    indices: number[],
    nodeOf: (i: number) => number,
  ) => {
    options.signal?.throwIfAborted();
    const result = await backend.rows(selectTargets(targets, indices, d));
    edgeRows.set(result.rows, rowsDone * S);
    indices.forEach((i, k) => (rowToNode[rowsDone + k] = nodeOf(i)));
    rowsDone += indices.length;
    passes += result.passes;
    options.onProgress?.(rowsDone, rowsTotal, passes);
  };
  try {
    const logitIndices = Array.from({ length: nLogits }, (_, i) => i);
    for (const batch of chunks(logitIndices, batchRows)) {
      await runBatch(problem.logitTargets, batch, (i) => S + i);
    }
    const visited = new Uint8Array(nFeatures);
    let nVisited = 0;
    while (nVisited < cap) {
      const pending =
        cap === nFeatures
          ? Array.from({ length: nFeatures }, (_, i) => i)
          : rankUnvisited(edgeRows, rowsDone, S, rowToNode, problem, nodeCount, visited).slice(
              0,
              Math.min(UPDATE_INTERVAL * batchRows, cap - nVisited),
            );
      for (const batch of chunks(pending, batchRows)) {
        await runBatch(problem.featureTargets, batch, (i) => i);
        for (const f of batch) visited[f] = 1;
        nVisited += batch.length;
      }
    }
    options.signal?.throwIfAborted();
    const graph = assembleGraph(setup, set, edgeRows, rowToNode, visited, options);
    return { graph, passes, rows: rowsDone };
  } finally {
    backend.destroy();
  }
}

function* chunks(items: number[], size: number): Generator<number[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Unvisited features by partial influence, highest first (ties: lower index). */
function rankUnvisited(
  edgeRows: Float32Array,
  rowCount: number,
  S: number,
  rowToNode: Int32Array,
  problem: AttributionProblem,
  nodeCount: number,
  visited: Uint8Array,
): number[] {
  const probabilities = Float64Array.from(problem.nodes.slice(nodeCount - problem.nLogits), (n) =>
    n.type === "logit" ? n.probability : 0,
  );
  const influence = partialInfluences(
    edgeRows,
    rowCount,
    S,
    rowToNode.subarray(0, rowCount),
    probabilities,
    nodeCount,
  );
  const order = Array.from({ length: problem.nFeatures }, (_, i) => i).filter((i) => !visited[i]);
  return order.sort((a, b) => influence[b]! - influence[a]! || a - b);
}

/**
 * The graph over the visited features (in their order), every error, embedding and logit:
 * feature rows, then logit rows last; unvisited features' columns dropped.
 */
function assembleGraph(
  setup: AttributionSetup,
  set: TranscoderSet,
  edgeRows: Float32Array,
  rowToNode: Int32Array,
  visited: Uint8Array,
  options: AttributeOptions,
): AttributionGraph {
  const { problem, forward } = setup;
  const { nFeatures, nErrors, nTokens, nLogits, sources } = problem;
  const S = sources.count;
  const selected: number[] = [];
  visited.forEach((v, i) => v && selected.push(i));
  const nSelected = selected.length;
  const n = nSelected + nErrors + nTokens + nLogits;
  const column = new Int32Array(S).fill(-1);
  selected.forEach((f, k) => (column[f] = k));
  for (let s = nFeatures; s < S; s++) column[s] = nSelected + s - nFeatures;
  const graphRow = new Int32Array(S + nLogits).fill(-1);
  selected.forEach((f, k) => (graphRow[f] = k));
  for (let i = 0; i < nLogits; i++) graphRow[S + i] = n - nLogits + i;
  const adjacency = new Float32Array(n * n);
  for (let r = 0; r < rowToNode.length; r++) {
    const target = graphRow[rowToNode[r]!]!;
    for (let s = 0; s < S; s++) {
      const c = column[s]!;
      if (c >= 0) adjacency[target * n + c] = edgeRows[r * S + s]!;
    }
  }
  const nodes = [...selected.map((f) => problem.nodes[f]!), ...problem.nodes.slice(nFeatures)];
  const { tokens } = forward;
  return {
    prompt: options.prompt ?? decodeTokens(tokens),
    tokens,
    tokenStrings: tokens.map((t) => decodeTokens([t])),
    nLayer: forward.model.nLayer,
    scan: options.scan ?? set.modelName,
    transcoderList: Array.from(
      { length: forward.model.nLayer },
      (_, l) => set.layers[l]?.source ?? "",
    ),
    nodes,
    nFeatures: nSelected,
    nErrors,
    nTokens,
    nLogits,
    adjacency,
  };
}
