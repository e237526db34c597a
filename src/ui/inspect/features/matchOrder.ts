import type { FeatureMatchResult } from "../../../worker/protocol.ts";
import type { MatchSort } from "../../state/matchStore.ts";

/** A's features in table order: by index, or by best cosine / correlation, descending. */
export function matchOrder(r: FeatureMatchResult, sort: MatchSort): Uint32Array {
  const ids = Uint32Array.from({ length: r.dSaeA }, (_, i) => i);
  const column = sort === "cosine" ? r.cosine : sort === "correlation" ? r.correlation : undefined;
  if (!column) return ids;
  const v = column.value;
  return ids.sort((a, b) => v[b]! - v[a]! || a - b);
}
