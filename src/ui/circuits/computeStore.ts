import { create } from "zustand";
import type { GraphJson } from "../../engine/circuits/graphJsonTypes.ts";
import type { GraphScores } from "../../engine/circuits/graphScores.ts";
import {
  DEFAULT_THRESHOLDS,
  type CircuitScores,
  type TranscoderSetRef,
  type CircuitThresholds,
  type FeatureConnections,
} from "../../worker/circuitsProtocol.ts";
import type { FromWorker } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";
import { useCircuitsStore } from "./circuitsStore.ts";

/** circuit-tracer's CLI caps feature rows at 7,500; a tab on a shared GPU keeps fewer. */
export const MAX_FEATURE_NODES = 2000;
const PRUNE_DEBOUNCE_MS = 250;

/** The computed graph shown, as the worker keeps it. */
export interface ComputedGraph {
  graphId: string;
  set: TranscoderSetRef;
  setName: string;
  prompt: string;
  thresholds: CircuitThresholds;
  scores: CircuitScores;
  createdAt: number;
}

export interface ComputeProgress {
  stage: "loading" | "rows" | "pruning";
  rowsDone: number;
  rowsTotal: number;
  passes: number;
}

interface ComputeState {
  prompt: string;
  setKey?: string;
  edgeThreshold: number;
  requestId?: string;
  progress?: ComputeProgress;
  error?: string;
  /** The last compute's figures, for the status line. */
  finished?: { seconds: number; passes: number; rows: number };
  graph?: ComputedGraph;
  pruning: boolean;
  subgraph?: { pending: boolean; scores?: GraphScores; why?: string; key: string };
  connections: Map<string, FeatureConnections | { error: string }>;
  /** The supernode the intervention panel acts on (else the selected feature). */
  interventionGroup?: number;
  interveneOn: (group: number | undefined) => void;
  setPrompt: (prompt: string) => void;
  setSetKey: (key: string) => void;
  setEdgeThreshold: (edge: number) => void;
  compute: (set: TranscoderSetRef, setName: string, nodeThreshold?: number) => void;
  cancel: () => void;
  /** Shows a graph computed earlier (a saved one). */
  adopt: (graph: ComputedGraph) => void;
  forget: () => void;
  prune: (thresholds: CircuitThresholds) => void;
  askSubgraph: (pinnedIds: string[]) => void;
  askConnections: (set: TranscoderSetRef, layer: number, feature: number) => void;
  receive: (m: FromWorker) => void;
}

let counter = 0;
const nextId = (what: string) => `circuit-${what}-${++counter}`;
export const connectionKey = (layer: number, feature: number) => `${layer}/${feature}`;

/** Requests in flight that are not the compute: what each answers. */
const pending = new Map<
  string,
  { kind: "prune" | "subgraph" } | { kind: "connections"; key: string }
>();
let pruneTimer: ReturnType<typeof setTimeout> | undefined;

/** Computing, re-pruning and scoring graphs in the worker; the graph itself shows in circuitsStore. */
export const useComputeStore = create<ComputeState>((set, get) => ({
  prompt: "",
  edgeThreshold: DEFAULT_THRESHOLDS.edge,
  pruning: false,
  connections: new Map(),
  setPrompt: (prompt) => set({ prompt }),
  interveneOn: (interventionGroup) => set({ interventionGroup }),
  setSetKey: (setKey) => set({ setKey }),
  setEdgeThreshold(edgeThreshold) {
    set({ edgeThreshold });
    const g = get().graph;
    if (g) get().prune({ node: g.thresholds.node, edge: edgeThreshold });
  },
  compute(setRef, setName, nodeThreshold = DEFAULT_THRESHOLDS.node) {
    const { prompt, requestId, edgeThreshold } = get();
    if (requestId) sendToEngine({ type: "circuit-cancel", requestId });
    if (prompt.trim() === "") {
      set({ error: "type a prompt to attribute" });
      return;
    }
    const id = nextId("compute");
    const graphId = `graph-${Date.now().toString(36)}`;
    set({
      requestId: id,
      progress: { stage: "loading", rowsDone: 0, rowsTotal: 0, passes: 0 },
      error: undefined,
      finished: undefined,
    });
    sendToEngine({
      type: "circuit-compute",
      requestId: id,
      graphId,
      set: setRef,
      setName,
      prompt,
      thresholds: { node: nodeThreshold, edge: edgeThreshold },
      maxFeatureNodes: MAX_FEATURE_NODES,
    });
    computing.set(id, { graphId, set: setRef, setName, prompt });
  },
  cancel() {
    const { requestId } = get();
    if (requestId) sendToEngine({ type: "circuit-cancel", requestId });
    set({ requestId: undefined, progress: undefined });
  },
  adopt: (graph) =>
    set({
      graph,
      subgraph: undefined,
      connections: new Map(),
      edgeThreshold: graph.thresholds.edge,
    }),
  forget: () => set({ graph: undefined, subgraph: undefined, connections: new Map() }),
  prune(thresholds) {
    const g = get().graph;
    if (!g) return;
    clearTimeout(pruneTimer);
    set({ pruning: true });
    pruneTimer = setTimeout(() => {
      const requestId = nextId("prune");
      pending.set(requestId, { kind: "prune" });
      latestPrune = requestId;
      sendToEngine({ type: "circuit-prune", requestId, graphId: g.graphId, thresholds });
    }, PRUNE_DEBOUNCE_MS);
  },
  askSubgraph(pinnedIds) {
    const g = get().graph;
    if (!g) return;
    const key = `${g.graphId}|${g.thresholds.node}|${g.thresholds.edge}|${pinnedIds.join(",")}`;
    if (get().subgraph?.key === key) return;
    const requestId = nextId("subgraph");
    pending.set(requestId, { kind: "subgraph" });
    latestSubgraph = requestId;
    set({ subgraph: { pending: true, key } });
    sendToEngine({
      type: "circuit-subgraph",
      requestId,
      graphId: g.graphId,
      thresholds: g.thresholds,
      pinnedIds,
    });
  },
  askConnections(setRef, layer, feature) {
    const key = connectionKey(layer, feature);
    if (get().connections.has(key)) return;
    const requestId = nextId("connections");
    pending.set(requestId, { kind: "connections", key });
    sendToEngine({ type: "circuit-connections", requestId, set: setRef, layer, feature });
  },
  receive(m) {
    switch (m.type) {
      case "circuit-progress":
        if (m.requestId === get().requestId) {
          const { type: _t, requestId: _r, ...progress } = m;
          set({ progress });
        }
        break;
      case "circuit-ready": {
        const asked = computing.get(m.requestId);
        computing.delete(m.requestId);
        if (!asked || m.requestId !== get().requestId) break;
        const graph: ComputedGraph = {
          ...asked,
          thresholds: {
            node: m.json.metadata.node_threshold ?? DEFAULT_THRESHOLDS.node,
            edge: m.json.metadata.pruning_settings?.edge_threshold ?? DEFAULT_THRESHOLDS.edge,
          },
          scores: m.scores,
          createdAt: Date.now(),
        };
        set({
          requestId: undefined,
          progress: undefined,
          graph,
          subgraph: undefined,
          connections: new Map(),
          interventionGroup: undefined,
          finished: { seconds: m.seconds, passes: m.passes, rows: m.rows },
        });
        useCircuitsStore
          .getState()
          .show(m.json, { kind: "computed", setName: asked.setName }, m.scores.pruned);
        onComputed?.(graph, m.json);
        break;
      }
      case "circuit-pruned": {
        pending.delete(m.requestId);
        const g = get().graph;
        if (m.requestId !== latestPrune || g?.graphId !== m.graphId) break;
        const thresholds = {
          node: m.json.metadata.node_threshold ?? g.thresholds.node,
          edge: m.json.metadata.pruning_settings?.edge_threshold ?? g.thresholds.edge,
        };
        set({ pruning: false, graph: { ...g, thresholds, scores: m.scores } });
        useCircuitsStore.getState().replaceGraph(m.json, m.scores.pruned);
        break;
      }
      case "circuit-subgraph": {
        pending.delete(m.requestId);
        const s = get().subgraph;
        if (m.requestId !== latestSubgraph || !s) break;
        set({ subgraph: { key: s.key, pending: false, scores: m.scores, why: m.why } });
        break;
      }
      case "circuit-connections": {
        const p = pending.get(m.requestId);
        pending.delete(m.requestId);
        if (p?.kind !== "connections") break;
        set({ connections: new Map(get().connections).set(p.key, m.connections) });
        break;
      }
      case "circuit-error": {
        const p = pending.get(m.requestId);
        pending.delete(m.requestId);
        if (m.requestId === get().requestId) {
          computing.delete(m.requestId);
          set({ requestId: undefined, progress: undefined, error: m.message });
        } else if (p?.kind === "connections") {
          set({ connections: new Map(get().connections).set(p.key, { error: m.message }) });
        } else if (p?.kind === "subgraph" && m.requestId === latestSubgraph) {
          const s = get().subgraph;
          set({ subgraph: { key: s?.key ?? "", pending: false, why: m.message } });
        } else if (p?.kind === "prune" && m.requestId === latestPrune) {
          set({ pruning: false, error: m.message });
        }
        break;
      }
    }
  },
}));

let latestPrune: string | undefined;
let latestSubgraph: string | undefined;
const computing = new Map<
  string,
  { graphId: string; set: TranscoderSetRef; setName: string; prompt: string }
>();

let onComputed: ((graph: ComputedGraph, json: GraphJson) => void) | undefined;
/** Called once per computed graph (the saved-graphs module keeps it). */
export function whenComputed(f: (graph: ComputedGraph, json: GraphJson) => void): void {
  onComputed = f;
}
