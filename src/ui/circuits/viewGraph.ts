import type { GraphJson, GraphJsonNode } from "../../engine/circuits/graphJsonTypes.ts";

export type NodeKind = "feature" | "error" | "embedding" | "logit";

/** A node as the view draws it: its JSON record, its kind, and the row it sits in. */
export interface ViewNode {
  index: number;
  json: GraphJsonNode;
  kind: NodeKind;
  /** 0 = embeddings (bottom), ℓ + 1 = layer ℓ, nLayers + 1 = logits (top). */
  row: number;
  /** The layer for features and errors; undefined for embeddings and logits. */
  layer?: number;
  /** How much it matters, 0..1: 1 − influence (cumulative), or a logit's probability. */
  importance: number;
}

/** The graph in the shape the view needs: indices instead of ids, links as typed arrays. */
export interface ViewGraph {
  nodes: ViewNode[];
  indexById: Map<string, number>;
  linkSource: Int32Array;
  linkTarget: Int32Array;
  linkWeight: Float32Array;
  maxAbsWeight: number;
  /** Per node, the indices of its links, strongest |weight| first. */
  incoming: number[][];
  outgoing: number[][];
  tokens: string[];
  nLayers: number;
}

/** feature_type → kind; anything else with a numeric layer (e.g. a lorsa feature) is a feature. */
export function nodeKind(n: GraphJsonNode): NodeKind {
  if (n.feature_type === "embedding") return "embedding";
  if (n.feature_type === "logit") return "logit";
  if (n.feature_type === "mlp reconstruction error") return "error";
  return "feature";
}

function layerOf(n: GraphJsonNode, fileKind: NodeKind): number | undefined {
  if (fileKind === "embedding" || fileKind === "logit") return undefined;
  const layer = Number(n.layer);
  return Number.isInteger(layer) && layer >= 0 ? layer : 0;
}

/** Builds the view's graph once per loaded file. */
export function buildViewGraph(json: GraphJson): ViewGraph {
  const kinds = json.nodes.map(nodeKind);
  const layers = json.nodes.map((n, i) => layerOf(n, kinds[i]!));
  const maxLayer = Math.max(-1, ...layers.map((l) => l ?? -1));
  const nLayers = Math.max(maxLayer + 1, json.metadata.transcoder_list?.length ?? 0);
  const nodes = json.nodes.map((n, index): ViewNode => {
    const kind = kinds[index]!;
    const layer = layers[index];
    const row = kind === "embedding" ? 0 : kind === "logit" ? nLayers + 1 : layer! + 1;
    const importance =
      kind === "logit" ? n.token_prob : n.influence === null ? 0.5 : 1 - n.influence;
    return {
      index,
      json: n,
      kind,
      row,
      ...(layer !== undefined ? { layer } : {}),
      importance: Math.min(1, Math.max(0, importance)),
    };
  });
  const indexById = new Map(json.nodes.map((n, i) => [n.node_id, i]));
  const m = json.links.length;
  const linkSource = new Int32Array(m);
  const linkTarget = new Int32Array(m);
  const linkWeight = new Float32Array(m);
  const incoming: number[][] = nodes.map(() => []);
  const outgoing: number[][] = nodes.map(() => []);
  let maxAbsWeight = 0;
  json.links.forEach((l, i) => {
    const s = indexById.get(l.source)!;
    const t = indexById.get(l.target)!;
    linkSource[i] = s;
    linkTarget[i] = t;
    linkWeight[i] = l.weight;
    maxAbsWeight = Math.max(maxAbsWeight, Math.abs(l.weight));
    outgoing[s]!.push(i);
    incoming[t]!.push(i);
  });
  const byStrength = (a: number, b: number) => Math.abs(linkWeight[b]!) - Math.abs(linkWeight[a]!);
  for (const list of [...incoming, ...outgoing]) list.sort(byStrength);
  return {
    nodes,
    indexById,
    linkSource,
    linkTarget,
    linkWeight,
    maxAbsWeight,
    incoming,
    outgoing,
    tokens: json.metadata.prompt_tokens,
    nLayers,
  };
}
