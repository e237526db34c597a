import { create } from "zustand";
import type { FromWorker, LiveDensityEntry } from "../../worker/protocol.ts";

/** The latest feature density window of the run training now (or last trained). */
interface DensityState {
  runId?: string;
  step?: number;
  windowTokens?: number;
  denseThreshold: number;
  entries: LiveDensityEntry[];
  receive: (m: FromWorker) => void;
}

export const useDensityStore = create<DensityState>((set) => ({
  denseThreshold: 0.1,
  entries: [],
  receive(m) {
    if (m.type === "density") {
      set({
        runId: m.runId,
        step: m.step,
        windowTokens: m.windowTokens,
        denseThreshold: m.denseThreshold,
        entries: m.entries,
      });
    }
  },
}));
