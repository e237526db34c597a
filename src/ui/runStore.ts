import { create } from "zustand";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { FromWorker } from "../worker/protocol.ts";

export interface RunState {
  runId?: string;
  status: "idle" | "running" | "done" | "error";
  adapter?: string;
  history: (TrainingMetrics & { tokensPerSecond: number })[];
  error?: string;
  start: (runId: string) => void;
  receive: (m: FromWorker) => void;
}

export const useRunStore = create<RunState>((set, get) => ({
  status: "idle",
  history: [],
  start: (runId) => set({ runId, status: "running", history: [], error: undefined }),
  receive: (m) => {
    if ("runId" in m && m.runId !== undefined && m.runId !== get().runId) return;
    switch (m.type) {
      case "ready":
        set({ adapter: m.adapter });
        break;
      case "metrics":
        set({ history: [...get().history, { ...m.metrics, tokensPerSecond: m.tokensPerSecond }] });
        break;
      case "done":
        set({ status: "done" });
        break;
      case "error":
        set({ status: "error", error: m.message });
        break;
    }
  },
}));
