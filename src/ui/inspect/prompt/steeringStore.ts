import { create } from "zustand";
import type { SteerResult } from "../../../worker/interventionProtocol.ts";
import type { FeatureDictionaryRef } from "../../../worker/protocol.ts";
import { onEngineMessage, sendToEngine } from "../../engine.ts";

export interface SteerAsk {
  dictionary: FeatureDictionaryRef;
  text: string;
  feature: number;
  alpha: number;
  generate: number;
}

interface SteeringState {
  requestId?: string;
  result?: SteerResult;
  error?: string;
  steer: (ask: SteerAsk) => void;
}

let counter = 0;

/** Try a prompt's steering: one request at a time, its answer shown until the next. */
export const useSteeringStore = create<SteeringState>((set) => ({
  steer(ask) {
    const requestId = `steer-${++counter}`;
    set({ requestId, error: undefined });
    sendToEngine({ type: "steer", requestId, topK: 5, ...ask });
  },
}));

onEngineMessage((m) => {
  if (m.type !== "steer-result" && m.type !== "steer-error") return;
  if (m.requestId !== useSteeringStore.getState().requestId) return;
  useSteeringStore.setState(
    m.type === "steer-error"
      ? { requestId: undefined, error: m.message }
      : { requestId: undefined, result: m.result, error: undefined },
  );
});
