import type { TranscoderSetRef } from "../../worker/circuitsProtocol.ts";

/** What a link to a graph carries: enough to reopen the same view once the set is there. */
export interface GraphLink {
  prompt: string;
  /** "run:<id>" or "loaded" (setChoices.ts's keys). */
  set: string;
  node: number;
  edge: number;
  pins: string[];
}

const PREFIX = "graph.";
const threshold = (raw: string | null, fallback: number) => {
  const n = Number(raw);
  return raw !== null && Number.isFinite(n) && n >= 0 && n <= 1 ? n : fallback;
};

export const setKeyOf = (ref: TranscoderSetRef): string =>
  ref.kind === "run" ? `run:${ref.runId}` : "loaded";

/** The link in a query string, if it has one (a prompt and a set); malformed parts fall back. */
export function graphLinkFromUrl(search: string): GraphLink | undefined {
  const p = new URLSearchParams(search);
  const prompt = p.get(`${PREFIX}prompt`);
  const set = p.get(`${PREFIX}set`);
  if (!prompt || !set) return undefined;
  const pins = p.get(`${PREFIX}pins`);
  return {
    prompt,
    set,
    node: threshold(p.get(`${PREFIX}node`), 0.8),
    edge: threshold(p.get(`${PREFIX}edge`), 0.98),
    pins: pins ? pins.split(",").filter((id) => id !== "") : [],
  };
}

export function graphLinkParams(link: GraphLink | undefined): [string, string][] {
  if (!link) return [];
  const out: [string, string][] = [
    [`${PREFIX}prompt`, link.prompt],
    [`${PREFIX}set`, link.set],
    [`${PREFIX}node`, String(link.node)],
    [`${PREFIX}edge`, String(link.edge)],
  ];
  if (link.pins.length > 0) out.push([`${PREFIX}pins`, link.pins.join(",")]);
  return out;
}

/** The query string with its graph.* parameters replaced by the link's (or removed). */
export function withGraphLink(search: string, link: GraphLink | undefined): string {
  const p = new URLSearchParams(search);
  for (const key of [...p.keys()]) if (key.startsWith(PREFIX)) p.delete(key);
  for (const [key, value] of graphLinkParams(link)) p.set(key, value);
  const text = p.toString();
  return text === "" ? "" : `?${text}`;
}
