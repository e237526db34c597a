/**
 * The circuit-tracer graph file of an attribution graph (create_graph_files.py): prune, then
 * write the kept nodes that are on a kept edge, every embedding and logit node, and the kept
 * edges between kept nodes as links {source, target, weight = A[target, source]}; nodes in
 * graph order, links in row-major (target, source) order, as there. Node ids: graphJsonNodes.ts.
 */
import type { AttributionGraph } from "./attributionGraph.ts";
import { graphLayout } from "./graphLayout.ts";
import { parseGraphMetadataJson } from "./graphJsonParse.ts";
import { embeddingNode, errorNode, featureNode, logitNode } from "./graphJsonNodes.ts";
import type {
  GraphJson,
  GraphJsonLink,
  GraphJsonMetadata,
  GraphJsonNode,
} from "./graphJsonTypes.ts";
import { pruneGraph, type PruneResult } from "./pruning.ts";

export { parseGraphJson, parseGraphMetadataJson } from "./graphJsonParse.ts";

export interface GraphJsonOptions {
  slug: string;
  /**
   * metadata.scan; default graph.scan. A list of per-layer transcoder ids is written as
   * circuit-tracer writes one: transcoder_list = the list, scan = "custom-<hash>" (a 32-bit
   * FNV-1a of the ids joined by "-"; circuit-tracer's Python hash() differs run to run).
   */
  scan?: string | string[];
  nodeThreshold?: number;
  edgeThreshold?: number;
  /** A vocabulary token as text, for the logit nodes' clerp `Output "{token}" (p=0.123)`. */
  decodeToken: (token: number) => string;
  /** Labels (clerp) by node index; logit nodes keep the clerp the viewer parses. */
  clerps?: ReadonlyMap<number, string>;
  pinnedIds?: string[];
  /** [label, ...node_ids] each. */
  supernodes?: string[][];
  featureDetails?: GraphJsonMetadata["feature_details"];
  info?: Record<string, unknown>;
  generationSettings?: Record<string, unknown>;
  /** pruneGraph's result for the same thresholds, if already computed. */
  pruned?: PruneResult;
}

export function buildGraphJson(graph: AttributionGraph, options: GraphJsonOptions): GraphJson {
  const nodeThreshold = options.nodeThreshold ?? 0.8;
  const edgeThreshold = options.edgeThreshold ?? 0.98;
  const { n } = graphLayout(graph);
  const pruned = options.pruned ?? pruneGraph(graph, nodeThreshold, edgeThreshold);
  if (pruned.nodeMask.length !== n || pruned.edgeMask.length !== n * n) {
    throw new Error(
      `buildGraphJson: the pruning result is for another graph (${pruned.nodeMask.length} nodes, not ${n})`,
    );
  }

  const records: (GraphJsonNode | undefined)[] = Array.from({ length: n }, (_, i) =>
    pruned.nodeMask[i] ? nodeRecord(graph, i, pruned.cumulativeScores[i]!, options) : undefined,
  );
  const links: GraphJsonLink[] = [];
  const connected = new Set<string>();
  for (let t = 0; t < n; t++) {
    const target = records[t];
    if (target === undefined) continue;
    for (let s = 0; s < n; s++) {
      if (!pruned.edgeMask[t * n + s]) continue;
      const source = records[s];
      if (source === undefined) continue;
      links.push({
        source: source.node_id,
        target: target.node_id,
        weight: graph.adjacency[t * n + s]!,
      });
      connected.add(source.node_id).add(target.node_id);
    }
  }
  const nodes = records.filter(
    (r): r is GraphJsonNode =>
      r !== undefined &&
      (connected.has(r.node_id) || r.feature_type === "embedding" || r.feature_type === "logit"),
  );
  checkQParamIds(nodes, options);
  return {
    metadata: metadataOf(graph, options, nodeThreshold, edgeThreshold),
    qParams: {
      pinnedIds: options.pinnedIds ?? [],
      supernodes: options.supernodes ?? [],
      linkType: "both",
      clickedId: "",
      sg_pos: "",
    },
    nodes,
    links,
  };
}

function nodeRecord(
  graph: AttributionGraph,
  i: number,
  cumulative: number,
  options: GraphJsonOptions,
): GraphJsonNode {
  const node = graph.nodes[i]!;
  const influence = Number.isFinite(cumulative) ? cumulative : null;
  if (node.type === "logit") {
    const isTarget = i === graph.nodes.length - graph.nLogits;
    const text = options.decodeToken(node.token);
    return logitNode(node.pos, node.token, text, graph.nLayer, isTarget, node.probability);
  }
  const record =
    node.type === "feature"
      ? featureNode(node.layer, node.pos, node.feature, influence, node.activation)
      : node.type === "error"
        ? errorNode(node.layer, node.pos, influence)
        : embeddingNode(node.pos, node.token, influence);
  const clerp = options.clerps?.get(i);
  return clerp === undefined ? record : { ...record, clerp };
}

function metadataOf(
  graph: AttributionGraph,
  options: GraphJsonOptions,
  nodeThreshold: number,
  edgeThreshold: number,
) {
  const scan = options.scan ?? graph.scan;
  const metadata: GraphJsonMetadata = {
    slug: options.slug,
    scan: typeof scan === "string" ? scan : `custom-${fnv1a(scan.join("-"))}`,
    transcoder_list: typeof scan === "string" ? [] : [...scan],
    prompt_tokens: [...graph.tokenStrings],
    prompt: graph.prompt,
    node_threshold: nodeThreshold,
    schema_version: 1,
  };
  if (options.featureDetails !== undefined) metadata.feature_details = options.featureDetails;
  if (options.info !== undefined) metadata.info = options.info;
  if (options.generationSettings !== undefined)
    metadata.generation_settings = options.generationSettings;
  metadata.pruning_settings = { node_threshold: nodeThreshold, edge_threshold: edgeThreshold };
  return metadata;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text))
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

function checkQParamIds(nodes: GraphJsonNode[], options: GraphJsonOptions) {
  const ids = new Set(nodes.map((r) => r.node_id));
  for (const id of options.pinnedIds ?? []) {
    if (!ids.has(id))
      throw new Error(`buildGraphJson: pinned id "${id}" is not a node the graph file keeps`);
  }
  for (const [k, [label, ...members]] of (options.supernodes ?? []).entries()) {
    if (label === undefined)
      throw new Error(`buildGraphJson: supernode ${k} is empty; expected [label, ...node_ids]`);
    for (const id of members) {
      if (!ids.has(id))
        throw new Error(
          `buildGraphJson: supernode "${label}" member "${id}" is not a node the graph file keeps`,
        );
    }
  }
}

/** The graph file's text, indented as circuit-tracer's model_dump_json(indent=2). */
export function graphJsonText(json: GraphJson): string {
  return JSON.stringify(json, null, 2);
}

/**
 * graph-metadata.json after adding a graph (frontend/utils.py add_graph_metadata): the list
 * `{"graphs": [metadata, ...]}` without any earlier graph of the same slug, then this one.
 */
export function addGraphMetadata(
  existingText: string | undefined,
  metadata: GraphJsonMetadata,
  fileName = "graph-metadata.json",
): string {
  const graphs =
    existingText === undefined ? [] : parseGraphMetadataJson(existingText, fileName).graphs;
  return JSON.stringify(
    { graphs: [...graphs.filter((g) => g.slug !== metadata.slug), metadata] },
    null,
    2,
  );
}
