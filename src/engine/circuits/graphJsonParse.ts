/**
 * Reads a circuit-tracer or Neuronpedia graph file back (untrusted input: JSON.parse, then
 * every field type-checked; unknown fields are dropped). Required as Neuronpedia's
 * graph-schema.json requires them: metadata {slug, scan, prompt_tokens, prompt}, qParams,
 * nodes {node_id, feature (integer or null), layer (string or integer, kept as a string),
 * ctx_idx, feature_type, jsNodeId, clerp}, links {source, target, weight}. The rest takes
 * circuit-tracer's defaults when absent. Also checked: node ids are unique, every link
 * endpoint is a node, ctx_idx is a prompt position. Errors name the file and the field.
 */
import { FormatError } from "../formats/formatError.ts";
import {
  MAX_GRAPH_JSON_BYTES,
  type GraphJson,
  type GraphJsonLink,
  type GraphJsonMetadata,
  type GraphJsonNode,
  type GraphJsonQParams,
} from "./graphJsonTypes.ts";

type Json = Record<string, unknown>;

class Reader {
  constructor(readonly file: string) {}

  fail(path: string, expected: string, found: unknown): never {
    throw new FormatError(this.file, `${path}: expected ${expected}, found ${describe(found)}`);
  }

  object(path: string, v: unknown): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(path, "an object", v);
    return v as Json;
  }

  array(path: string, v: unknown): unknown[] {
    if (!Array.isArray(v)) this.fail(path, "an array", v);
    return v;
  }

  string(path: string, v: unknown): string {
    if (typeof v !== "string") this.fail(path, "a string", v);
    return v;
  }

  number(path: string, v: unknown): number {
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(path, "a finite number", v);
    return v;
  }

  integer(path: string, v: unknown, min = -Infinity): number {
    if (!Number.isSafeInteger(v) || (v as number) < min) {
      this.fail(path, min === -Infinity ? "an integer" : `an integer ≥ ${min}`, v);
    }
    return v as number;
  }

  boolean(path: string, v: unknown): boolean {
    if (typeof v !== "boolean") this.fail(path, "true or false", v);
    return v;
  }

  strings(path: string, v: unknown): string[] {
    return this.array(path, v).map((x, i) => this.string(`${path}[${i}]`, x));
  }

  nullable<T>(read: (path: string, v: unknown) => T, path: string, v: unknown): T | null {
    return v === null ? null : read.call(this, path, v);
  }

  /** obj[key] read by `read` when present, else `fallback`. */
  optional<T>(
    obj: Json,
    path: string,
    key: string,
    read: (path: string, v: unknown) => T,
    fallback: T,
  ): T {
    return obj[key] === undefined ? fallback : read.call(this, `${path}.${key}`, obj[key]);
  }

  required<T>(obj: Json, path: string, key: string, read: (path: string, v: unknown) => T): T {
    if (!Object.hasOwn(obj, key))
      throw new FormatError(this.file, `${path}: the required field "${key}" is missing`);
    return read.call(this, `${path}.${key}`, obj[key]);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return "an object";
  if (typeof v === "string")
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function parseJson(text: string, fileName: string): unknown {
  if (text.length > MAX_GRAPH_JSON_BYTES) {
    throw new FormatError(
      fileName,
      `${text.length} characters, more than the 100 MiB Neuronpedia accepts for a graph`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormatError(fileName, `not valid JSON (${(e as Error).message})`);
  }
}

export function parseGraphJson(text: string, fileName: string): GraphJson {
  const r = new Reader(fileName);
  const top = r.object("the top level", parseJson(text, fileName));
  const metadata = r.required(top, "the top level", "metadata", (p, v) => readMetadata(r, p, v));
  const qParams = r.required(top, "the top level", "qParams", (p, v) => readQParams(r, p, v));
  const nodes = r.required(top, "the top level", "nodes", (p, v) =>
    r.array(p, v).map((x, i) => readNode(r, `nodes[${i}]`, x)),
  );
  const links = r.required(top, "the top level", "links", (p, v) =>
    r.array(p, v).map((x, i) => readLink(r, `links[${i}]`, x)),
  );
  checkNodes(r, nodes, metadata.prompt_tokens.length);
  checkLinks(r, links, new Set(nodes.map((n) => n.node_id)));
  return { metadata, qParams, nodes, links };
}

/** graph-metadata.json: {"graphs": [metadata, ...]}. */
export function parseGraphMetadataJson(
  text: string,
  fileName: string,
): { graphs: GraphJsonMetadata[] } {
  const r = new Reader(fileName);
  const top = r.object("the top level", parseJson(text, fileName));
  const graphs = r.required(top, "the top level", "graphs", (p, v) =>
    r.array(p, v).map((x, i) => readMetadata(r, `graphs[${i}]`, x)),
  );
  return { graphs };
}

function readMetadata(r: Reader, path: string, v: unknown): GraphJsonMetadata {
  const m = r.object(path, v);
  const metadata: GraphJsonMetadata = {
    slug: r.required(m, path, "slug", r.string),
    scan: r.required(m, path, "scan", r.string),
    transcoder_list: r.optional(m, path, "transcoder_list", r.strings, []),
    prompt_tokens: r.required(m, path, "prompt_tokens", r.strings),
    prompt: r.required(m, path, "prompt", r.string),
    node_threshold: r.optional(
      m,
      path,
      "node_threshold",
      (p, x) => r.nullable(r.number, p, x),
      null,
    ),
    schema_version: r.optional(
      m,
      path,
      "schema_version",
      (p, x) => r.nullable(r.integer, p, x),
      null,
    ),
  };
  if (m.feature_details !== undefined) {
    const p = `${path}.feature_details`;
    const d = r.object(p, m.feature_details);
    metadata.feature_details = {};
    for (const key of ["feature_json_base_url", "neuronpedia_source_set"] as const) {
      if (d[key] !== undefined) metadata.feature_details[key] = r.string(`${p}.${key}`, d[key]);
    }
  }
  if (m.info !== undefined) metadata.info = r.object(`${path}.info`, m.info);
  if (m.generation_settings !== undefined) {
    metadata.generation_settings = r.object(`${path}.generation_settings`, m.generation_settings);
  }
  if (m.pruning_settings !== undefined) {
    const p = `${path}.pruning_settings`;
    const s = r.object(p, m.pruning_settings);
    metadata.pruning_settings = {};
    for (const key of ["node_threshold", "edge_threshold"] as const) {
      if (s[key] !== undefined) metadata.pruning_settings[key] = r.number(`${p}.${key}`, s[key]);
    }
  }
  return metadata;
}

function readQParams(r: Reader, path: string, v: unknown): GraphJsonQParams {
  const q = r.object(path, v);
  return {
    pinnedIds: r.optional(q, path, "pinnedIds", r.strings, []),
    supernodes: r.optional(
      q,
      path,
      "supernodes",
      (p, x) => r.array(p, x).map((s, i) => r.strings(`${p}[${i}]`, s)),
      [],
    ),
    linkType: r.optional(q, path, "linkType", r.string, "both"),
    clickedId: r.optional(q, path, "clickedId", r.string, ""),
    sg_pos: r.optional(q, path, "sg_pos", r.string, ""),
  };
}

function readNode(r: Reader, path: string, v: unknown): GraphJsonNode {
  const o = r.object(path, v);
  const layer = r.required(o, path, "layer", (p, x) =>
    typeof x === "number"
      ? String(r.integer(p, x))
      : typeof x === "string"
        ? x
        : r.fail(p, "a string or an integer", x),
  );
  return {
    node_id: r.required(o, path, "node_id", (p, x) =>
      r.string(p, x) === "" ? r.fail(p, "a non-empty string", x) : (x as string),
    ),
    feature: r.required(o, path, "feature", (p, x) => r.nullable(r.integer, p, x)),
    layer,
    ctx_idx: r.required(o, path, "ctx_idx", (p, x) => r.integer(p, x, 0)),
    feature_type: r.required(o, path, "feature_type", r.string),
    token_prob: r.optional(o, path, "token_prob", r.number, 0),
    is_target_logit: r.optional(o, path, "is_target_logit", r.boolean, false),
    run_idx: r.optional(o, path, "run_idx", r.integer, 0),
    reverse_ctx_idx: r.optional(o, path, "reverse_ctx_idx", r.integer, 0),
    jsNodeId: r.required(o, path, "jsNodeId", r.string),
    clerp: r.required(o, path, "clerp", r.string),
    influence: r.optional(o, path, "influence", (p, x) => r.nullable(r.number, p, x), null),
    activation: r.optional(o, path, "activation", (p, x) => r.nullable(r.number, p, x), null),
  };
}

function readLink(r: Reader, path: string, v: unknown): GraphJsonLink {
  const o = r.object(path, v);
  return {
    source: r.required(o, path, "source", r.string),
    target: r.required(o, path, "target", r.string),
    weight: r.required(o, path, "weight", r.number),
  };
}

function checkNodes(r: Reader, nodes: GraphJsonNode[], promptLength: number) {
  const seen = new Map<string, number>();
  nodes.forEach((node, i) => {
    const first = seen.get(node.node_id);
    if (first !== undefined) {
      throw new FormatError(
        r.file,
        `nodes[${i}].node_id: "${node.node_id}" is also nodes[${first}]'s; node ids must be unique`,
      );
    }
    seen.set(node.node_id, i);
    if (node.ctx_idx >= promptLength) {
      r.fail(
        `nodes[${i}].ctx_idx`,
        `a position < ${promptLength} (metadata.prompt_tokens has ${promptLength})`,
        node.ctx_idx,
      );
    }
  });
}

function checkLinks(r: Reader, links: GraphJsonLink[], ids: Set<string>) {
  links.forEach((link, i) => {
    for (const end of ["source", "target"] as const) {
      if (!ids.has(link[end])) {
        throw new FormatError(
          r.file,
          `links[${i}].${end}: "${link[end]}" is not the node_id of any node`,
        );
      }
    }
  });
}
