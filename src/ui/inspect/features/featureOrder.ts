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
  let ids = Uint32Array.from({ length: d.dSae }, (_, i) => i);
  const q = filter.trim();
  if (q !== "") {
    if (/^#?\d+$/.test(q)) {
      const f = Number(q.replace("#", ""));
      ids = f < d.dSae ? Uint32Array.of(f) : new Uint32Array(0);
    } else {
      const needle = q.toLowerCase();
      const matching = new Set<number>();
      for (const [t, s] of strings) if (s.toLowerCase().includes(needle)) matching.add(t);
      ids = ids.filter((f) => mentions(d, f, matching));
    }
  }
  if (sort === "index") return ids;
  const key = sort === "density" ? d.density : d.max;
  return ids.sort((a, b) => key[b]! - key[a]! || a - b);
}

function mentions(d: FeatureDashboards, f: number, tokens: ReadonlySet<number>): boolean {
  const { offsets, token } = d.top;
  for (let i = offsets[f]!; i < offsets[f + 1]!; i++) {
    if (tokens.has(d.windowTokens[token[i]!]!)) return true;
  }
  const logits = d.logitsRaw;
  if (logits) {
    for (let i = f * logits.k; i < (f + 1) * logits.k; i++) {
      if (tokens.has(logits.topIndex[i]!)) return true;
    }
  }
  return false;
}

export type FeatureMark = "dead" | "dense" | undefined;

export function featureMark(d: FeatureDashboards, f: number): FeatureMark {
  if (d.count[f] === 0) return "dead";
  return d.density[f]! > d.denseThreshold ? "dense" : undefined;
}
