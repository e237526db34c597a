import type { FeatureDashboards } from "../../../worker/protocol.ts";
import type { FeatureSort } from "../../state/featuresStore.ts";

/**
 * The features the list shows, in order: sorted by density or max activation (descending) or
 * index, filtered by a query that is a feature index or a piece of a token: features whose top
 * logits or top examples' activating tokens contain it (case-insensitive).
 */
export function featureOrder(
  d: FeatureDashboards,
  strings: ReadonlyMap<number, string>,
  sort: FeatureSort,
  filter: string,
): Uint32Array {
  // The sorted orders come with the dashboards (sorted in the worker): nothing is sorted here.
  const ordered =
    sort === "density"
      ? d.orderByDensity
      : sort === "max"
        ? d.orderByMax
        : Uint32Array.from({ length: d.dSae }, (_, i) => i);
  const q = filter.trim();
  if (q === "") return ordered;
  if (/^#?\d+$/.test(q)) {
    const f = Number(q.replace("#", ""));
    return f < d.dSae ? Uint32Array.of(f) : new Uint32Array(0);
  }
  const needle = q.toLowerCase();
  // A flag per token id (a table, not a Set: 16k features × 20 examples are looked up).
  let top = 0;
  for (const t of strings.keys()) top = Math.max(top, t);
  const matching = new Uint8Array(top + 1);
  let any = false;
  for (const [t, s] of strings) {
    if (s.toLowerCase().includes(needle)) matching[t] = 1;
    any ||= matching[t] === 1;
  }
  return any ? ordered.filter((f) => mentions(d, f, matching)) : new Uint32Array(0);
}

function mentions(d: FeatureDashboards, f: number, tokens: Uint8Array): boolean {
  const { offsets, token } = d.top;
  for (let i = offsets[f]!; i < offsets[f + 1]!; i++) {
    if (tokens[d.windowTokens[token[i]!]!] === 1) return true;
  }
  const logits = d.inCorpus?.hideByDefault ? d.inCorpus.logitsRaw : d.logitsRaw;
  if (logits) {
    for (let i = f * logits.k; i < (f + 1) * logits.k; i++) {
      if (tokens[logits.topIndex[i]!] === 1) return true;
    }
  }
  return false;
}

export type FeatureMark = "dead" | "dense" | undefined;

export function featureMark(d: FeatureDashboards, f: number): FeatureMark {
  if (d.count[f] === 0) return "dead";
  return d.density[f]! > d.denseThreshold ? "dense" : undefined;
}
