import { create } from "zustand";
import type {
  FeatureDictionaryRef,
  FeatureMatchResult,
  FromWorker,
} from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";

export type MatchSort = "index" | "cosine" | "correlation";

interface MatchState {
  requestId?: string;
  phase: "idle" | "running" | "ready" | "error";
  progress?: { done: number; total: number; label: string };
  error?: string;
  result?: FeatureMatchResult;
  /** The dictionaries of the shown result (A, B), and of the request in flight. */
  shown?: [FeatureDictionaryRef, FeatureDictionaryRef];
  asked?: [FeatureDictionaryRef, FeatureDictionaryRef];
  sort: MatchSort;
  run: (a: FeatureDictionaryRef, b: FeatureDictionaryRef, tokens: number) => void;
  cancel: () => void;
  setSort: (sort: MatchSort) => void;
  receive: (m: FromWorker) => void;
  engineDied: () => void;
}

let counter = 0;

/** Feature matching between two dictionaries: one request at a time, its result shown here. */
export const useMatchStore = create<MatchState>((set, get) => ({
  phase: "idle",
  sort: "correlation",
  run(a, b, tokens) {
    const previous = get().requestId;
    if (get().phase === "running" && previous) {
      sendToEngine({ type: "cancel-match", requestId: previous });
    }
    const requestId = `match-${++counter}`;
    set({ requestId, phase: "running", progress: undefined, error: undefined, asked: [a, b] });
    sendToEngine({ type: "match-features", requestId, a, b, tokens });
  },
  cancel() {
    const { requestId, phase, result } = get();
    if (phase !== "running" || !requestId) return;
    sendToEngine({ type: "cancel-match", requestId });
    set({ phase: result ? "ready" : "idle", progress: undefined, requestId: undefined });
  },
  setSort: (sort) => set({ sort }),
  receive(m) {
    if (m.type !== "match-progress" && m.type !== "match-ready" && m.type !== "match-error") {
      return;
    }
    if (m.requestId !== get().requestId) return;
    if (m.type === "match-progress") {
      set({ progress: { done: m.done, total: m.total, label: m.label } });
    } else if (m.type === "match-ready") {
      set({
        phase: "ready",
        result: m.result,
        shown: get().asked,
        progress: undefined,
        sort: m.result.correlation ? "correlation" : "cosine",
      });
    } else {
      set({ phase: "error", error: m.message, progress: undefined });
    }
  },
  engineDied: () =>
    set({ phase: get().result ? "ready" : "idle", progress: undefined, requestId: undefined }),
}));
