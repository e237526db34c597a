import { create } from "zustand";
import type { FeatureDashboards, FeatureDictionaryRef, FromWorker } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";
import { useFeatureWindowStore } from "./featureWindowStore.ts";
import { useMatchStore } from "./matchStore.ts";

export type FeatureSort = "density" | "max" | "index";

interface FeaturesState {
  /** The request in flight or shown. */
  requestId?: string;
  phase: "idle" | "running" | "ready" | "error";
  progress?: { done: number; total: number; label: string };
  error?: string;
  dashboards?: FeatureDashboards;
  /** Which dictionary the shown dashboards (and the request in flight) are of. */
  shownRef?: FeatureDictionaryRef;
  runningRef?: FeatureDictionaryRef;
  /** The dictionary the controls have chosen (follows a feature opened from elsewhere). */
  chosenRef?: FeatureDictionaryRef;
  /** Counts the dashboards shown, so that what was computed for older ones is told apart. */
  shownVersion: number;
  /** A feature to open once the dashboards in flight are ready. */
  pendingSelect?: number;
  /** Token id → its string, from dashboards.strings. */
  strings: Map<number, string>;
  selected?: number;
  sort: FeatureSort;
  filter: string;
  exporting: boolean;
  exportError?: string;
  /** Compute the weight views (logits, de-embeddings, neighbours) with the next pass. */
  weightViews: boolean;
  setWeightViews: (on: boolean) => void;
  run: (dictionary: FeatureDictionaryRef, tokens: number) => void;
  choose: (dictionary: FeatureDictionaryRef) => void;
  cancel: () => void;
  exportJson: (fileName: string) => void;
  select: (feature: number | undefined) => void;
  /**
   * Opens a feature's page: at once when the dashboards shown are of that dictionary, else
   * once the ones in flight for it (or started now, over `tokens`) are ready.
   */
  openFeature: (dictionary: FeatureDictionaryRef, feature: number, tokens: number) => void;
  setSort: (sort: FeatureSort) => void;
  setFilter: (filter: string) => void;
  receive: (m: FromWorker) => void;
  engineDied: () => void;
}

let counter = 0;

/** The inspector: one feature pass at a time in the worker, its result shown here. */
export const useFeaturesStore = create<FeaturesState>((set, get) => ({
  phase: "idle",
  strings: new Map(),
  shownVersion: 0,
  sort: "density",
  filter: "",
  exporting: false,
  weightViews: true,
  setWeightViews: (weightViews) => set({ weightViews }),
  run(dictionary, tokens) {
    const weightViews = get().weightViews;
    const previous = get().requestId;
    if (get().phase === "running" && previous) {
      sendToEngine({ type: "cancel-features", requestId: previous });
    }
    const requestId = `features-${++counter}`;
    set({
      requestId,
      phase: "running",
      progress: undefined,
      error: undefined,
      runningRef: dictionary,
      chosenRef: dictionary,
      pendingSelect: undefined,
    });
    sendToEngine({ type: "inspect-features", requestId, dictionary, tokens, weightViews });
  },
  choose: (chosenRef) => set({ chosenRef }),
  cancel() {
    const { requestId, phase, dashboards } = get();
    if (phase !== "running" || !requestId) return;
    sendToEngine({ type: "cancel-features", requestId });
    set({
      phase: dashboards ? "ready" : "idle",
      progress: undefined,
      requestId: undefined,
      pendingSelect: undefined,
    });
  },
  exportJson(fileName) {
    if (!get().dashboards || !shownId) return;
    set({ exporting: true, exportError: undefined });
    sendToEngine({ type: "export-features", requestId: shownId, fileName });
  },
  select: (selected) => set({ selected }),
  openFeature(dictionary, feature, tokens) {
    const { shownRef, runningRef, phase } = get();
    if (phase === "running" && runningRef && sameRef(runningRef, dictionary)) {
      set({ pendingSelect: feature });
    } else if (phase !== "running" && shownRef && sameRef(shownRef, dictionary)) {
      set({ selected: feature, chosenRef: dictionary });
    } else {
      get().run(dictionary, tokens);
      set({ pendingSelect: feature });
    }
  },
  setSort: (sort) => set({ sort }),
  setFilter: (filter) => set({ filter }),
  receive(m) {
    useMatchStore.getState().receive(m);
    useFeatureWindowStore.getState().receive(m);
    switch (m.type) {
      case "features-progress":
        if (m.requestId === get().requestId) {
          set({ progress: { done: m.done, total: m.total, label: m.label } });
        }
        break;
      case "features-ready": {
        if (m.requestId !== get().requestId) break;
        shownId = m.requestId;
        const { tokens, text } = m.dashboards.strings;
        const strings = new Map<number, string>();
        tokens.forEach((t, i) => strings.set(t, text[i]!));
        set({
          phase: "ready",
          dashboards: m.dashboards,
          strings,
          progress: undefined,
          selected: get().pendingSelect,
          pendingSelect: undefined,
          shownRef: get().runningRef,
          shownVersion: get().shownVersion + 1,
          filter: "",
        });
        break;
      }
      case "features-error":
        if (m.requestId === shownId && get().exporting) {
          set({ exporting: false, exportError: m.message });
        } else if (m.requestId === get().requestId) {
          set({ phase: "error", error: m.message, progress: undefined });
        }
        break;
      case "features-export-ready":
        if (m.requestId !== shownId) break;
        saveJson(m.bytes, m.fileName);
        set({ exporting: false });
        break;
    }
  },
  engineDied: () => {
    useMatchStore.getState().engineDied();
    useFeatureWindowStore.getState().engineDied();
    set({
      phase: get().dashboards ? "ready" : "idle",
      progress: undefined,
      exporting: false,
      error: undefined,
    });
  },
}));

export function sameRef(a: FeatureDictionaryRef, b: FeatureDictionaryRef): boolean {
  return a.kind === "run"
    ? b.kind === "run" && a.runId === b.runId && a.dictionaryId === b.dictionaryId
    : b.kind === "loaded" && a.loadId === b.loadId;
}

/** The request whose dashboards are shown (export asks the worker for it). */
let shownId: string | undefined;

function saveJson(bytes: ArrayBuffer, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
