import { create } from "zustand";
import type { FeatureDictionaryRef, FromWorker } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";

export interface WindowActivations {
  values?: Float32Array;
  error?: string;
}

interface FeatureWindowState {
  /** By windowKey: a feature's activation at every position of one window, once answered. */
  windows: Map<string, WindowActivations>;
  /** Asks the worker for them, once per key. */
  request: (
    key: string,
    dictionary: FeatureDictionaryRef,
    feature: number,
    tokens: number[],
  ) => void;
  receive: (m: FromWorker) => void;
  engineDied: () => void;
}

/** The key of (dashboards shown, feature, window). */
export function windowKey(version: number, feature: number, sequence: number): string {
  return `${version}:${feature}:${sequence}`;
}

/** Most windows kept (the oldest are dropped). */
const KEEP = 64;
let counter = 0;
const pending = new Map<string, string>();

/**
 * Whole-window activations for expanded context snippets, computed on demand in the worker
 * (one forward pass each) rather than stored by the dashboards.
 */
export const useFeatureWindowStore = create<FeatureWindowState>((set, get) => ({
  windows: new Map(),
  request(key, dictionary, feature, tokens) {
    if (get().windows.has(key) || [...pending.values()].includes(key)) return;
    const requestId = `window-${++counter}`;
    pending.set(requestId, key);
    sendToEngine({ type: "feature-window", requestId, dictionary, feature, tokens });
  },
  receive(m) {
    if (m.type !== "feature-window-ready" && m.type !== "feature-window-error") return;
    const key = pending.get(m.requestId);
    if (key === undefined) return;
    pending.delete(m.requestId);
    const windows = new Map(get().windows);
    windows.set(
      key,
      m.type === "feature-window-ready" ? { values: m.values } : { error: m.message },
    );
    while (windows.size > KEEP) windows.delete(windows.keys().next().value!);
    set({ windows });
  },
  engineDied() {
    pending.clear();
  },
}));
