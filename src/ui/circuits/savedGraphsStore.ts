import { create } from "zustand";
import type { GraphJson } from "../../engine/circuits/graphJsonTypes.ts";
import { graphsDb, type SavedGraph, type SavedGraphSummary } from "../../storage/graphsDb.ts";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useComputeStore, whenComputed, type ComputedGraph } from "./computeStore.ts";
import { supernodesToJson } from "./supernodes.ts";

const SAVE_DEBOUNCE_MS = 400;

interface SavedGraphsState {
  list: SavedGraphSummary[];
  loaded: boolean;
  error?: string;
  refresh: () => Promise<void>;
  open: (id: string) => Promise<SavedGraph | undefined>;
  remove: (id: string) => Promise<void>;
}

/** Graphs computed here, kept in IndexedDB with the reader's edits; listed in Circuits and Runs. */
export const useSavedGraphsStore = create<SavedGraphsState>((set, get) => ({
  list: [],
  loaded: false,
  async refresh() {
    try {
      set({ list: await graphsDb.all(), loaded: true });
    } catch (err) {
      set({ loaded: true, error: `Could not read saved graphs: ${(err as Error).message}` });
    }
  },
  async open(id) {
    const saved = await graphsDb.get(id);
    if (!saved) {
      set({ error: "that graph is no longer saved" });
      return undefined;
    }
    const { json, scores, thresholds, set: setRef, setName, prompt, createdAt, clerps } = saved;
    useComputeStore
      .getState()
      .adopt({ graphId: id, set: setRef, setName, prompt, thresholds, scores, createdAt });
    useComputeStore.getState().setPrompt(prompt);
    useCircuitsStore.getState().show(json, { kind: "computed", setName }, scores.pruned);
    useCircuitsStore.setState({ clerps });
    return saved;
  },
  async remove(id) {
    await graphsDb.delete(id);
    if (useComputeStore.getState().graph?.graphId === id) {
      useComputeStore.getState().forget();
      useCircuitsStore.getState().clear();
    }
    await get().refresh();
  },
}));

/** The record of the computed graph shown, with the reader's edits as they are now. */
function recordNow(graph: ComputedGraph, json?: GraphJson): SavedGraph | undefined {
  const c = useCircuitsStore.getState();
  const edited = json ?? c.editedJson();
  if (!edited) return undefined;
  return {
    id: graph.graphId,
    createdAt: graph.createdAt,
    prompt: graph.prompt,
    set: graph.set,
    setName: graph.setName,
    thresholds: graph.thresholds,
    json: edited,
    scores: graph.scores,
    pinnedIds: edited.qParams.pinnedIds,
    supernodes: json ? [] : supernodesToJson(c.supernodes),
    clerps: json ? {} : c.clerps,
  };
}

async function save(record: SavedGraph | undefined): Promise<void> {
  if (!record) return;
  try {
    await graphsDb.put(record);
    await useSavedGraphsStore.getState().refresh();
  } catch (err) {
    useSavedGraphsStore.setState({ error: (err as Error).message });
  }
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function saveSoon(): void {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    const graph = useComputeStore.getState().graph;
    if (graph && useCircuitsStore.getState().shown?.origin.kind === "computed") {
      void save(recordNow(graph));
    }
  }, SAVE_DEBOUNCE_MS);
}

let wired = false;
/**
 * Keeps computed graphs: saves each new one, saves again (debounced) when the reader pins,
 * groups or labels, or the graph is re-pruned; and re-prunes in the worker when the node
 * threshold moves on a computed graph (an uploaded file keeps filtering in the page).
 */
export function keepComputedGraphs(): void {
  if (wired) return;
  wired = true;
  whenComputed((graph, json) => void save(recordNow(graph, json)));
  useCircuitsStore.subscribe((s, prev) => {
    const computed = s.shown?.origin.kind === "computed";
    if (!computed) return;
    if (s.shown === prev.shown && s.threshold !== prev.threshold) {
      const { graph, edgeThreshold } = useComputeStore.getState();
      if (graph) useComputeStore.getState().prune({ node: s.threshold, edge: edgeThreshold });
    }
    if (
      s.pinnedIds !== prev.pinnedIds ||
      s.supernodes !== prev.supernodes ||
      s.clerps !== prev.clerps ||
      (s.shown !== prev.shown && prev.shown !== undefined)
    ) {
      saveSoon();
    }
  });
  useComputeStore.subscribe((s, prev) => {
    if (s.graph && prev.graph && s.graph !== prev.graph && s.graph.graphId === prev.graph.graphId) {
      saveSoon();
    }
  });
}
