import { create } from "zustand";
import type { FeatureDashboards, FeatureDictionaryRef, FromWorker } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";
import { choiceKey, DEFAULT_DASHBOARD_TOKENS } from "../inspect/features/dictionaryChoices.ts";
import { useEngineStore } from "../state/engineStore.ts";

export type LayerStats =
  | { phase: "queued" | "running"; done?: number; total?: number }
  | { phase: "ready"; dashboards: FeatureDashboards; requestId: string }
  | { phase: "error"; message: string };

interface FeatureStatsState {
  /** By choiceKey of the layer's dictionary: kept for the session (cached per set). */
  byDictionary: Map<string, LayerStats>;
  /** Asks for a layer's statistics (the inspector's pass, one at a time in the worker). */
  want: (ref: FeatureDictionaryRef) => void;
  receive: (m: FromWorker) => void;
}

let counter = 0;
const queue: FeatureDictionaryRef[] = [];
let running: { requestId: string; key: string } | undefined;

function startNext(set: (f: (s: FeatureStatsState) => Partial<FeatureStatsState>) => void) {
  if (running) return;
  const ref = queue.shift();
  if (!ref) return;
  const key = choiceKey(ref);
  const requestId = `circuit-features-${++counter}`;
  running = { requestId, key };
  const software = useEngineStore.getState().adapter?.software ?? true;
  set((s) => ({ byDictionary: new Map(s.byDictionary).set(key, { phase: "running" }) }));
  // Top contexts only: the Circuits view shows the weight-based views from the set itself.
  sendToEngine({
    type: "inspect-features",
    requestId,
    dictionary: ref,
    tokens: software ? DEFAULT_DASHBOARD_TOKENS.software : DEFAULT_DASHBOARD_TOKENS.gpu,
    weightViews: false,
  });
}

/**
 * The statistics the inspector computes (top contexts, density, histograms), per transcoder of
 * the set, computed on demand when a feature of that layer is first hovered, and kept.
 */
export const useFeatureStatsStore = create<FeatureStatsState>((set, get) => ({
  byDictionary: new Map(),
  want(ref) {
    const key = choiceKey(ref);
    const known = get().byDictionary.get(key);
    if (known && known.phase !== "error") return;
    queue.push(ref);
    set({ byDictionary: new Map(get().byDictionary).set(key, { phase: "queued" }) });
    startNext(set);
  },
  receive(m) {
    if (!running || !("requestId" in m) || m.requestId !== running.requestId) return;
    const { key } = running;
    const put = (stats: LayerStats) =>
      set({ byDictionary: new Map(get().byDictionary).set(key, stats) });
    switch (m.type) {
      case "features-progress":
        put({ phase: "running", done: m.done, total: m.total });
        return;
      case "features-ready":
        put({ phase: "ready", dashboards: m.dashboards, requestId: m.requestId });
        break;
      case "features-error":
        put({ phase: "error", message: m.message });
        break;
      default:
        return;
    }
    running = undefined;
    startNext(set);
  },
}));
