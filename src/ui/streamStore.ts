import { create } from "zustand";
import type { SplicedMetrics } from "../engine/eval/splicedEval.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { FromWorker, ModelInfo, StreamRunConfig } from "../worker/protocol.ts";
import { configFromUrl } from "./urlState.ts";

export type MetricPoint = TrainingMetrics & { tokensPerSecond: number };

export interface StreamState {
  config: StreamRunConfig;
  model?: ModelInfo;
  modelError?: string;
  runId?: string;
  status: "idle" | "running" | "done" | "error" | "stopped";
  message?: string;
  error?: string;
  /** Per dictionary ("sae", "transcoder"): its logged metrics. */
  histories: Record<string, MetricPoint[]>;
  evals: Record<string, SplicedMetrics>;
  streamTokensPerSecond?: number;
  setConfig: (c: StreamRunConfig) => void;
  start: (runId: string) => void;
  stop: () => void;
  receive: (m: FromWorker) => void;
}

export const useStreamStore = create<StreamState>((set, get) => ({
  config: configFromUrl(typeof location === "undefined" ? "" : location.search),
  status: "idle",
  histories: {},
  evals: {},
  setConfig: (config) => set({ config }),
  start: (runId) =>
    set({
      runId,
      status: "running",
      message: undefined,
      error: undefined,
      histories: {},
      evals: {},
    }),
  stop: () => set({ status: "stopped", message: undefined }),
  receive: (m) => {
    if (m.type === "model-ready") {
      set({ model: m.info, modelError: undefined });
      return;
    }
    if (m.type === "model-error") {
      set({ modelError: m.message });
      return;
    }
    if (!("runId" in m) || m.runId !== get().runId) return;
    switch (m.type) {
      case "status":
        set({ message: m.message });
        break;
      case "metrics": {
        const histories = get().histories;
        const point = { ...m.metrics, tokensPerSecond: m.tokensPerSecond };
        set({
          histories: { ...histories, [m.dictionary]: [...(histories[m.dictionary] ?? []), point] },
          streamTokensPerSecond: m.streamTokensPerSecond,
        });
        break;
      }
      case "eval":
        set({ evals: { ...get().evals, [m.dictionary]: m.metrics } });
        break;
      case "done":
        if (get().status === "running") set({ status: "done", message: undefined });
        break;
      case "error":
        set({ status: "error", error: m.message, message: undefined });
        break;
    }
  },
}));
