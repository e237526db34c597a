import { visibleToken } from "../inspect/features/tokenText.ts";
import type { ViewGraph, ViewNode } from "./viewGraph.ts";

/** A logit node's token and probability, from its clerp `Output "tok" (p=0.123)`. */
export function logitOutput(node: ViewNode): { token: string; probability: number } | undefined {
  if (node.kind !== "logit") return undefined;
  const m = /^Output "(.*)" \(p=([\d.eE+-]+)\)$/s.exec(node.json.clerp);
  if (m) return { token: m[1]!, probability: Number(m[2]) };
  return { token: `#${node.json.feature ?? "?"}`, probability: node.json.token_prob };
}

/** The latent index of a feature node: the middle of `{layer}_{feature}_{pos}`. */
export function featureIndex(node: ViewNode): number | undefined {
  if (node.kind !== "feature") return undefined;
  const parts = node.json.node_id.split("_");
  const f = Number(parts[1]);
  return parts.length === 3 && Number.isInteger(f) ? f : undefined;
}

/** A node's name in a word or two: its label if it has one, else what it is. */
export function nodeName(node: ViewNode, graph: ViewGraph, clerp: string): string {
  switch (node.kind) {
    case "logit": {
      const out = logitOutput(node)!;
      return `Output ${visibleToken(out.token)}`;
    }
    case "embedding":
      return `Token ${visibleToken(graph.tokens[node.json.ctx_idx] ?? "")}`;
    case "error":
      return `Error L${node.layer}`;
    case "feature":
      return clerp !== ""
        ? clerp
        : `L${node.layer} #${featureIndex(node) ?? node.json.feature ?? "?"}`;
  }
}

/**
 * A node's label in the drawing, where its row and column already say its layer and token:
 * a feature's label or latent index, a logit's token; tokens and errors get none.
 */
export function graphLabel(node: ViewNode, clerp: string): string {
  switch (node.kind) {
    case "logit":
      return visibleToken(logitOutput(node)!.token);
    case "feature":
      return clerp !== "" ? clerp : `#${featureIndex(node) ?? node.json.feature ?? "?"}`;
    default:
      return "";
  }
}

export const KIND_NAMES: Record<ViewNode["kind"], string> = {
  feature: "transcoder feature",
  error: "error: what the transcoder misses",
  embedding: "token embedding",
  logit: "logit",
};

const num = (v: number) => String(Number(v.toPrecision(4)));

/** The rows of a node's tooltip and panel: [field, value]. */
export function nodeFacts(node: ViewNode, graph: ViewGraph, clerp: string): [string, string][] {
  const j = node.json;
  const rows: [string, string][] = [
    ["id", j.node_id],
    ["type", KIND_NAMES[node.kind]],
    [
      "layer",
      node.layer !== undefined
        ? String(node.layer)
        : node.kind === "logit"
          ? "output"
          : "embedding",
    ],
    ["position", String(j.ctx_idx)],
    ["token", visibleToken(graph.tokens[j.ctx_idx] ?? "")],
  ];
  const feature = featureIndex(node);
  if (feature !== undefined) rows.push(["feature", String(feature)]);
  if (j.activation !== null) rows.push(["activation", num(j.activation)]);
  const out = logitOutput(node);
  if (out) {
    rows.push(["predicts", visibleToken(out.token)], ["probability", num(out.probability)]);
  } else if (clerp !== "") {
    rows.push(["label", clerp]);
  }
  if (j.influence !== null)
    rows.push(["influence", `${num(j.influence)} (cumulative; lower = more important)`]);
  return rows;
}

export interface NodeLink {
  link: number;
  /** The node at the other end. */
  other: number;
  weight: number;
}

/** A node's strongest links one way, among the shown ones. */
export function strongestLinks(
  graph: ViewGraph,
  index: number,
  direction: "incoming" | "outgoing",
  count: number,
  shown?: Uint8Array,
): NodeLink[] {
  const out: NodeLink[] = [];
  for (const link of graph[direction][index] ?? []) {
    const other = direction === "incoming" ? graph.linkSource[link]! : graph.linkTarget[link]!;
    if (shown && !shown[other]) continue;
    out.push({ link, other, weight: graph.linkWeight[link]! });
    if (out.length === count) break;
  }
  return out;
}
