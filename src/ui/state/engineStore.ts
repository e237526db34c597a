import { create } from "zustand";
import type { AdapterInfo, FromWorker, ModelInfo } from "../../worker/protocol.ts";

export interface Fault {
  kind: string;
  message: string;
  hint?: string;
}

interface EngineState {
  adapter?: AdapterInfo;
  /** Why there is no GPU device (no WebGPU, no adapter). */
  noDevice?: string;
  model?: ModelInfo;
  modelError?: string;
  /** Why the last change of model failed (the previous model is still in use). */
  useError?: string;
  /** The engine worker died; a new one can be started. */
  workerDead?: string;
  receive: (m: FromWorker) => void;
  workerDied: (message: string) => void;
  workerRestarted: () => void;
}

/** What the page knows of the engine: the adapter, the model, a dead worker. */
export const useEngineStore = create<EngineState>((set) => ({
  receive: (m) => {
    switch (m.type) {
      case "ready":
        set({ adapter: m.adapter, noDevice: undefined });
        break;
      case "no-device":
        set({ noDevice: m.message });
        break;
      case "model-ready":
        set({ model: m.info, modelError: undefined, useError: undefined });
        break;
      case "model-error":
        set(m.use ? { useError: m.message } : { modelError: m.message });
        break;
    }
  },
  workerDied: (message) => set({ workerDead: message, model: undefined }),
  workerRestarted: () => set({ workerDead: undefined }),
}));
