import { create } from "zustand";
import { editsFromGraph, graphWithEdits } from "./graphEdits.ts";
import { parseGraphJson } from "../../engine/circuits/graphJson.ts";
import { MAX_GRAPH_JSON_BYTES, type GraphJson } from "../../engine/circuits/graphJsonTypes.ts";
import type { GraphScores } from "../../engine/circuits/graphScores.ts";
import { initialThreshold } from "./nodeThreshold.ts";
import {
  groupPinned,
  removeSupernode,
  renameSupernode,
  withoutNode,
  type Supernode,
} from "./supernodes.ts";
import { buildViewGraph, type ViewGraph } from "./viewGraph.ts";

/** Where a shown graph came from: a file, or (later) computed here from a transcoder set. */
export type GraphOrigin =
  { kind: "file"; fileName: string } | { kind: "computed"; setName: string };

/** A graph ready to draw: the JSON and its view model (built once per graph). */
export interface ShownGraph {
  json: GraphJson;
  view: ViewGraph;
  origin: GraphOrigin;
  scores?: GraphScores;
}

interface CircuitsState {
  shown?: ShownGraph;
  error?: string;
  reading: boolean;
  threshold: number;
  hoveredId?: string;
  selectedId?: string;
  pinnedIds: string[];
  supernodes: Supernode[];
  clerps: Record<string, string>;
  /** A request to bring a node into view (seq changes each time). */
  focus?: { id: string; seq: number };
  show: (json: GraphJson, origin: GraphOrigin, scores?: GraphScores) => void;
  /** The same graph pruned again: a new JSON, the reader's pins, labels and threshold kept. */
  replaceGraph: (json: GraphJson, scores?: GraphScores) => void;
  uploadFile: (file: File) => Promise<void>;
  fail: (message: string) => void;
  setThreshold: (threshold: number) => void;
  hover: (id: string | undefined) => void;
  select: (id: string | undefined, focus?: boolean) => void;
  togglePin: (id: string) => void;
  groupPinned: (label: string) => void;
  renameSupernode: (index: number, label: string) => void;
  removeSupernode: (index: number) => void;
  setClerp: (id: string, clerp: string) => void;
  /** The graph JSON with pins, supernodes and labels, as a download holds it. */
  editedJson: () => GraphJson | undefined;
  clear: () => void;
}

/**
 * Scores a file may carry: circuit-tracer's JSON has none; a graph written here may hold them in
 * metadata.info as replacement_score and completeness_score.
 */
function scoresInFile(json: GraphJson): GraphScores | undefined {
  const replacementScore = json.metadata.info?.replacement_score;
  const completenessScore = json.metadata.info?.completeness_score;
  return typeof replacementScore === "number" && typeof completenessScore === "number"
    ? { replacementScore, completenessScore }
    : undefined;
}

let focusSeq = 0;

/** The Circuits view: the graph shown, the reader's pins, supernodes and labels. */
export const useCircuitsStore = create<CircuitsState>((set, get) => ({
  reading: false,
  threshold: 0.8,
  pinnedIds: [],
  supernodes: [],
  clerps: {},
  show(json, origin, scores) {
    const view = buildViewGraph(json);
    const edits = editsFromGraph(json);
    set({
      shown: {
        json,
        view,
        origin,
        scores: scores ?? scoresInFile(json),
      },
      error: undefined,
      reading: false,
      threshold: initialThreshold(view, json.metadata.node_threshold ?? undefined),
      hoveredId: undefined,
      selectedId: edits.clickedId || undefined,
      pinnedIds: edits.pinnedIds,
      supernodes: edits.supernodes,
      clerps: {},
    });
  },
  replaceGraph(json, scores) {
    const shown = get().shown;
    if (!shown) return;
    set({
      shown: { ...shown, json, view: buildViewGraph(json), scores: scores ?? scoresInFile(json) },
      hoveredId: undefined,
    });
  },
  async uploadFile(file) {
    if (file.size > MAX_GRAPH_JSON_BYTES) {
      get().fail(
        `${file.name}: ${(file.size / 2 ** 20).toFixed(0)} MiB; a graph file may be at most 100 MiB (Neuronpedia's limit)`,
      );
      return;
    }
    set({ reading: true, error: undefined });
    try {
      const json = parseGraphJson(await file.text(), file.name);
      get().show(json, { kind: "file", fileName: file.name });
    } catch (err) {
      get().fail((err as Error).message);
    }
  },
  fail: (message) => set({ error: message, reading: false }),
  setThreshold: (threshold) => set({ threshold }),
  hover: (hoveredId) => set({ hoveredId }),
  select(selectedId, focus = false) {
    set({
      selectedId,
      ...(focus && selectedId ? { focus: { id: selectedId, seq: ++focusSeq } } : {}),
    });
  },
  togglePin(id) {
    const { pinnedIds, supernodes } = get();
    if (pinnedIds.includes(id)) {
      set({
        pinnedIds: pinnedIds.filter((p) => p !== id),
        supernodes: withoutNode(supernodes, id),
      });
    } else {
      set({ pinnedIds: [...pinnedIds, id] });
    }
  },
  groupPinned(label) {
    const { pinnedIds, supernodes } = get();
    set({ supernodes: groupPinned(pinnedIds, supernodes, label) });
  },
  renameSupernode: (index, label) =>
    set({ supernodes: renameSupernode(get().supernodes, index, label) }),
  removeSupernode: (index) => set({ supernodes: removeSupernode(get().supernodes, index) }),
  setClerp: (id, clerp) => set({ clerps: { ...get().clerps, [id]: clerp } }),
  editedJson() {
    const { shown, pinnedIds, supernodes, clerps, selectedId } = get();
    if (!shown) return undefined;
    // Re-pruning may have dropped a pinned node: the file names only nodes it holds.
    const known = shown.view.indexById;
    return graphWithEdits(shown.json, {
      pinnedIds: pinnedIds.filter((id) => known.has(id)),
      supernodes: supernodes
        .map((s) => ({ ...s, nodeIds: s.nodeIds.filter((id) => known.has(id)) }))
        .filter((s) => s.nodeIds.length > 0),
      clerps,
      clickedId: selectedId !== undefined && known.has(selectedId) ? selectedId : "",
    });
  },
  clear: () =>
    set({
      shown: undefined,
      error: undefined,
      hoveredId: undefined,
      selectedId: undefined,
      pinnedIds: [],
      supernodes: [],
      clerps: {},
    }),
}));

/** A node's label: the one typed here, else the file's clerp. */
export function useClerp(id: string | undefined): string {
  return useCircuitsStore((s) => {
    if (id === undefined || !s.shown) return "";
    if (Object.hasOwn(s.clerps, id)) return s.clerps[id]!;
    const index = s.shown.view.indexById.get(id);
    return index === undefined ? "" : s.shown.view.nodes[index]!.json.clerp;
  });
}
