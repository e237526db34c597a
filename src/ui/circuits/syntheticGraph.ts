import type {
  GraphJson,
  GraphJsonLink,
  GraphJsonNode,
} from "../../engine/circuits/graphJsonTypes.ts";
import { seededRandom } from "../../engine/dictionary/init.ts";

/** For tests: a deterministic circuit-tracer graph JSON of a chosen size, ids as §5 writes them. */
export interface SyntheticGraphSpec {
  tokens: string[];
  nLayers: number;
  /** Feature nodes in all; spread over (layer, position) cells, some crowded. */
  features: number;
  /** Links in all (at most one per source/target pair). */
  links: number;
  logits: { token: string; probability: number }[];
  seed?: number;
  slug?: string;
}

const cantor = (layer: number, f: number) => ((layer + f) * (layer + f + 1)) / 2 + f;

function base(
  id: string,
  layer: string,
  ctx: number,
  type: string,
  feature: number,
): GraphJsonNode {
  return {
    node_id: id,
    feature,
    layer,
    ctx_idx: ctx,
    feature_type: type,
    token_prob: 0,
    is_target_logit: false,
    run_idx: 0,
    reverse_ctx_idx: 0,
    jsNodeId: id,
    clerp: "",
    influence: null,
    activation: null,
  };
}

export function syntheticGraph(spec: SyntheticGraphSpec): GraphJson {
  const rand = seededRandom(spec.seed ?? 1);
  const P = spec.tokens.length;
  const L = spec.nLayers;
  const inner: GraphJsonNode[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < spec.features; i++) {
    // Later positions and a few hot cells get more features, as real graphs do.
    const pos = Math.min(P - 1, Math.floor(Math.sqrt(rand()) * P));
    const layer = rand() < 0.2 ? L - 1 : Math.floor(rand() * L);
    let f = Math.floor(rand() * 4096);
    while (taken.has(`${layer}_${f}_${pos}`)) f = (f + 1) % 4096;
    const id = `${layer}_${f}_${pos}`;
    taken.add(id);
    inner.push({
      ...base(id, String(layer), pos, "cross layer transcoder", cantor(layer, f)),
      jsNodeId: `${layer}_${f}-0`,
      activation: Number((0.5 + rand() * 8).toFixed(3)),
    });
  }
  for (let layer = 0; layer < L; layer++) {
    for (let pos = 1; pos < P; pos += 2) {
      inner.push({
        ...base(`0_${layer}_${pos}`, String(layer), pos, "mlp reconstruction error", -1),
        jsNodeId: `${layer}_${pos}-0`,
      });
    }
  }
  // Cumulative influence in a random order of importance, up to the node threshold 0.8.
  const order = inner.map((_, i) => i).sort(() => rand() - 0.5);
  order.forEach((nodeIndex, rank) => {
    inner[nodeIndex]!.influence = Number(((0.8 * (rank + 1)) / inner.length).toFixed(4));
  });
  const embeddings = spec.tokens.map((_, p) => ({
    ...base(`E_${1000 + p}_${p}`, "E", p, "embedding", p),
    jsNodeId: `E_${1000 + p}-${p}`,
    influence: Number((0.05 + 0.9 * rand()).toFixed(4)),
  }));
  const logits = spec.logits.map((l, k) => ({
    ...base(`${L + 1}_${2000 + k}_${P - 1}`, String(L + 1), P - 1, "logit", 2000 + k),
    jsNodeId: `L_${2000 + k}-${P - 1}`,
    token_prob: l.probability,
    is_target_logit: k === 0,
    clerp: `Output "${l.token}" (p=${l.probability.toFixed(3)})`,
  }));
  const nodes = [...inner, ...embeddings, ...logits];

  const layerOf = (n: GraphJsonNode) => (n.layer === "E" ? -1 : Number(n.layer));
  const sources = [...inner, ...embeddings];
  const targets = [
    ...inner.filter((n) => n.feature_type !== "mlp reconstruction error"),
    ...logits,
  ];
  const links: GraphJsonLink[] = [];
  const pairs = new Set<string>();
  for (let tries = 0; links.length < spec.links && tries < spec.links * 50; tries++) {
    const s = sources[Math.floor(rand() * sources.length)]!;
    const t = targets[Math.floor(rand() * targets.length)]!;
    if (layerOf(s) >= layerOf(t) || s.ctx_idx > t.ctx_idx) continue;
    const key = `${s.node_id}>${t.node_id}`;
    if (pairs.has(key)) continue;
    pairs.add(key);
    const magnitude = 0.05 + 3 * rand() ** 3;
    links.push({
      source: s.node_id,
      target: t.node_id,
      weight: Number((rand() < 0.75 ? magnitude : -magnitude).toFixed(4)),
    });
  }
  return {
    metadata: {
      slug: spec.slug ?? "synthetic",
      scan: "builtin-4l",
      transcoder_list: [],
      prompt_tokens: spec.tokens,
      prompt: spec.tokens.join(""),
      node_threshold: 0.8,
      schema_version: 1,
    },
    qParams: { pinnedIds: [], supernodes: [], linkType: "both", clickedId: "", sg_pos: "" },
    nodes,
    links,
  };
}
