import { useCircuitsStore, type ShownGraph } from "./circuitsStore.ts";
import { visibleLinks, visibleNodes } from "./nodeThreshold.ts";
import type { ViewGraph } from "./viewGraph.ts";

export interface ShownParts {
  shown: ShownGraph;
  view: ViewGraph;
  pinned: ReadonlySet<number>;
  /** 1 where the node shows at the current threshold. */
  shownNodes: Uint8Array;
  shownLinks: Int32Array;
}

// One filter per (graph, threshold, pins), shared by every component that asks.
let last: { key: [ShownGraph, number, string[]]; parts: ShownParts } | undefined;

function partsOf(shown: ShownGraph, threshold: number, pinnedIds: string[]): ShownParts {
  if (last && last.key[0] === shown && last.key[1] === threshold && last.key[2] === pinnedIds) {
    return last.parts;
  }
  const { view } = shown;
  const pinned = new Set<number>();
  for (const id of pinnedIds) {
    const index = view.indexById.get(id);
    if (index !== undefined) pinned.add(index);
  }
  const shownNodes = visibleNodes(view, threshold, pinned);
  const parts = { shown, view, pinned, shownNodes, shownLinks: visibleLinks(view, shownNodes) };
  last = { key: [shown, threshold, pinnedIds], parts };
  return parts;
}

/** The shown graph filtered by the node threshold (pinned nodes always show). */
export function useShownGraph(): ShownParts {
  const shown = useCircuitsStore((s) => s.shown)!;
  const threshold = useCircuitsStore((s) => s.threshold);
  const pinnedIds = useCircuitsStore((s) => s.pinnedIds);
  return partsOf(shown, threshold, pinnedIds);
}
