import type {
  GraphLogitEdge,
  InterventionPrompt,
  InterventionRequest,
} from "../../worker/interventionProtocol.ts";
import type { TranscoderSetRef } from "../../worker/circuitsProtocol.ts";

/** A feature node the panel intervenes on. */
export interface InterventionTarget {
  /** The graph's node_id, e.g. "2_137_5". */
  nodeId: string;
  layer: number;
  pos: number;
  feature: number;
  /** Its activation in the graph, when known. */
  activation?: number;
  /** Its label (untrusted: render as text). */
  label?: string;
}

/** A link of the graph from a feature node to a logit node. */
export interface GraphLogitLink {
  source: string;
  /** The logit node's vocabulary id. */
  token: number;
  weight: number;
}

/** Multipliers by node id; a node not listed ablates (0). */
export type Multipliers = Readonly<Record<string, number>>;

export interface InterventionForm {
  requestId: string;
  set: TranscoderSetRef;
  prompt: InterventionPrompt;
  targets: readonly InterventionTarget[];
  multipliers: Multipliers;
  /** Tokens to generate; 0 for none. */
  generate: number;
  links?: readonly GraphLogitLink[];
}

export const multiplierOf = (m: Multipliers, nodeId: string): number => m[nodeId] ?? 0;

/** The worker request: one intervention per target, the links re-keyed by intervention. */
export function interventionRequest(form: InterventionForm): InterventionRequest {
  const index = new Map(form.targets.map((t, i) => [t.nodeId, i] as const));
  const graphEdges: GraphLogitEdge[] = [];
  for (const link of form.links ?? []) {
    const i = index.get(link.source);
    if (i !== undefined)
      graphEdges.push({ intervention: i, token: link.token, weight: link.weight });
  }
  return {
    type: "intervene",
    requestId: form.requestId,
    set: form.set,
    prompt: form.prompt,
    interventions: form.targets.map((t) => ({
      layer: t.layer,
      pos: t.pos,
      feature: t.feature,
      multiplier: multiplierOf(form.multipliers, t.nodeId),
    })),
    ...(form.generate > 0 ? { generate: form.generate } : {}),
    ...(form.links ? { graphEdges } : {}),
  };
}

/** A signed change for a table cell: "+0.123", "−1.20". */
export function signed(x: number): string {
  const digits = Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3;
  return `${x < 0 ? "−" : "+"}${Math.abs(x).toFixed(digits)}`;
}

/** |predicted − actual| / |actual| as a percentage, or "—" when nothing moved. */
export function relativeGap(predicted: number, actual: number): string {
  if (actual === 0) return predicted === 0 ? "0%" : "—";
  return `${Math.round((100 * Math.abs(predicted - actual)) / Math.abs(actual))}%`;
}
