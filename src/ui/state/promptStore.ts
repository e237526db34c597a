import { create } from "zustand";
import type { FeatureDictionaryRef, FromWorker, PromptResult } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";

interface PromptState {
  text: string;
  /** The request in flight, if any. */
  requestId?: string;
  result?: PromptResult;
  /** The dictionaries' references of the shown result, in its order. */
  refs: FeatureDictionaryRef[];
  error?: string;
  /** The token whose features are shown (selected by click; hover shows another meanwhile). */
  selected?: number;
  hovered?: number;
  setText: (text: string) => void;
  run: (dictionaries: FeatureDictionaryRef[]) => void;
  select: (token: number | undefined) => void;
  hover: (token: number | undefined) => void;
  receive: (m: FromWorker) => void;
  engineDied: () => void;
}

let counter = 0;
let pendingRefs: FeatureDictionaryRef[] = [];

/** Try a prompt: one request at a time, its answer shown until the next. */
export const usePromptStore = create<PromptState>((set, get) => ({
  text: "The cat sat on the mat. It was a sunny day in the city.",
  refs: [],
  setText: (text) => set({ text }),
  run(dictionaries) {
    const text = get().text;
    if (text.trim() === "" || dictionaries.length === 0) return;
    const requestId = `prompt-${++counter}`;
    pendingRefs = dictionaries;
    set({ requestId, error: undefined });
    sendToEngine({ type: "try-prompt", requestId, text, dictionaries });
  },
  select: (selected) => set({ selected }),
  hover: (hovered) => set({ hovered }),
  receive(m) {
    if (m.type !== "prompt-result" && m.type !== "prompt-error") return;
    if (m.requestId !== get().requestId) return;
    if (m.type === "prompt-error") {
      set({ requestId: undefined, error: m.message });
      return;
    }
    const { type: _type, ...result } = m;
    const selected = get().selected;
    set({
      requestId: undefined,
      result,
      refs: pendingRefs,
      selected: selected !== undefined && selected < result.tokens.length ? selected : 0,
      hovered: undefined,
    });
  },
  engineDied: () => set({ requestId: undefined }),
}));
