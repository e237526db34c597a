/**
 * TEMPORARY: circuit-tracer's graph JSON (../shared/reference/circuits.md §5) until the engine's
 * src/engine/circuits/graphJson.ts lands; then this file goes and the view uses its types and
 * parser.
 */

export interface GraphJsonMetadata {
  slug: string;
  /** The model id (Neuronpedia's), or "custom-<hash>" with a transcoder_list. */
  scan: string;
  transcoder_list?: string[];
  /** BOS included. */
  prompt_tokens: string[];
  prompt: string;
  node_threshold?: number;
  schema_version?: number;
  [key: string]: unknown;
}

export interface GraphJsonQParams {
  pinnedIds: string[];
  /** circuit-tracer's viewer: [[label, ...nodeIds], ...]. */
  supernodes: string[][];
  linkType: string;
  clickedId: string;
  sg_pos: string;
  [key: string]: unknown;
}

export interface GraphJsonNode {
  node_id: string;
  feature: number;
  /** "E" for embeddings, the layer for features and errors, L+1 for logits. */
  layer: string;
  ctx_idx: number;
  feature_type: string;
  token_prob: number;
  is_target_logit: boolean;
  run_idx: number;
  reverse_ctx_idx: number;
  jsNodeId: string;
  clerp: string;
  /** Cumulative fraction of the graph's influence: lower = more important. null for logits. */
  influence: number | null;
  activation: number | null;
}

export interface GraphJsonLink {
  source: string;
  target: string;
  /** A[target, source], signed. */
  weight: number;
}

export interface GraphJson {
  metadata: GraphJsonMetadata;
  qParams: GraphJsonQParams;
  nodes: GraphJsonNode[];
  links: GraphJsonLink[];
}

export class GraphJsonError extends Error {
  override readonly name = "GraphJsonError";
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(v));

/** Parses and checks a graph file's text; every error names the file and the field. */
export function parseGraphJson(text: string, fileName: string): GraphJson {
  const fail = (where: string, what: string): never => {
    throw new GraphJsonError(`${fileName}: ${where}: ${what}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail("not JSON", (err as Error).message);
  }
  if (!isObject(raw)) return fail("top level", "expected an object {metadata, nodes, links}");
  const metadata = raw.metadata;
  if (!isObject(metadata)) return fail("metadata", "expected an object");
  const tokens = metadata.prompt_tokens;
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) {
    return fail("metadata.prompt_tokens", "expected an array of strings");
  }
  if (!Array.isArray(raw.nodes)) return fail("nodes", "expected an array");
  if (!Array.isArray(raw.links)) return fail("links", "expected an array");

  const ids = new Set<string>();
  const nodes = raw.nodes.map((n: unknown, i): GraphJsonNode => {
    const at = `nodes[${i}]`;
    if (!isObject(n)) return fail(at, "expected an object");
    if (typeof n.node_id !== "string" || n.node_id === "") {
      return fail(`${at}.node_id`, `expected a non-empty string, got ${show(n.node_id)}`);
    }
    if (ids.has(n.node_id)) return fail(`${at}.node_id`, `${show(n.node_id)} appears twice`);
    ids.add(n.node_id);
    if (typeof n.feature_type !== "string") {
      return fail(`${at}.feature_type`, `expected a string, got ${show(n.feature_type)}`);
    }
    const ctx = n.ctx_idx;
    if (typeof ctx !== "number" || !Number.isInteger(ctx) || ctx < 0 || ctx >= tokens.length) {
      return fail(
        `${at}.ctx_idx`,
        `expected a position 0–${tokens.length - 1} (prompt_tokens has ${tokens.length}), got ${show(ctx)}`,
      );
    }
    const layer = typeof n.layer === "number" ? String(n.layer) : n.layer;
    if (typeof layer !== "string")
      return fail(`${at}.layer`, `expected a string, got ${show(layer)}`);
    const numberOrNull = (key: string): number | null => {
      const v = n[key];
      if (v === null || v === undefined) return null;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        return fail(`${at}.${key}`, `expected a number or null, got ${show(v)}`);
      }
      return v;
    };
    return {
      node_id: n.node_id,
      feature: typeof n.feature === "number" ? n.feature : -1,
      layer,
      ctx_idx: ctx,
      feature_type: n.feature_type,
      token_prob: typeof n.token_prob === "number" ? n.token_prob : 0,
      is_target_logit: n.is_target_logit === true,
      run_idx: typeof n.run_idx === "number" ? n.run_idx : 0,
      reverse_ctx_idx: typeof n.reverse_ctx_idx === "number" ? n.reverse_ctx_idx : 0,
      jsNodeId: typeof n.jsNodeId === "string" ? n.jsNodeId : n.node_id,
      clerp: typeof n.clerp === "string" ? n.clerp : "",
      influence: numberOrNull("influence"),
      activation: numberOrNull("activation"),
    };
  });

  const links = raw.links.map((l: unknown, i): GraphJsonLink => {
    const at = `links[${i}]`;
    if (!isObject(l)) return fail(at, "expected an object {source, target, weight}");
    for (const key of ["source", "target"] as const) {
      if (typeof l[key] !== "string" || !ids.has(l[key])) {
        return fail(`${at}.${key}`, `${show(l[key])} is not the node_id of a node in the file`);
      }
    }
    if (typeof l.weight !== "number" || !Number.isFinite(l.weight)) {
      return fail(`${at}.weight`, `expected a finite number, got ${show(l.weight)}`);
    }
    return { source: l.source as string, target: l.target as string, weight: l.weight };
  });

  const q = isObject(raw.qParams) ? raw.qParams : {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);
  const qParams: GraphJsonQParams = {
    ...q,
    pinnedIds: strings(q.pinnedIds),
    supernodes: Array.isArray(q.supernodes)
      ? q.supernodes.filter(Array.isArray).map((s: unknown[]) => strings(s))
      : [],
    linkType: typeof q.linkType === "string" ? q.linkType : "both",
    clickedId: typeof q.clickedId === "string" ? q.clickedId : "",
    sg_pos: typeof q.sg_pos === "string" ? q.sg_pos : "",
  };
  return {
    metadata: {
      ...metadata,
      slug: typeof metadata.slug === "string" ? metadata.slug : "",
      scan: typeof metadata.scan === "string" ? metadata.scan : "",
      prompt_tokens: tokens as string[],
      prompt: typeof metadata.prompt === "string" ? metadata.prompt : (tokens as string[]).join(""),
    },
    qParams,
    nodes,
    links,
  };
}
