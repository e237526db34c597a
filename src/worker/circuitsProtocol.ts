/**
 * The Circuits view's messages to and from the engine worker (protocol.ts holds one union member
 * for each direction). A graph is computed once (circuit-compute → circuit-progress* →
 * circuit-ready, or circuit-error); the worker keeps its full adjacency under its graphId (and in
 * IndexedDB), so re-pruning, subgraph scores and weight connections never recompute it.
 */
import type { GraphJson } from "../engine/circuits/graphJsonTypes.ts";
import type { GraphScores } from "../engine/circuits/graphScores.ts";
import type { Extremes, LayerConnections } from "../engine/circuits/weightConnections.ts";

/**
 * A transcoder set the worker can assemble (circuitsSet.ts), for a graph or an intervention: a
 * finished run's transcoders, or dictionaries loaded in Inspect.
 */
export type TranscoderSetRef =
  { kind: "run"; runId: string } | { kind: "loaded"; loadIds: string[] };

export interface CircuitThresholds {
  /** circuit-tracer's node_threshold (0.8). */
  node: number;
  /** circuit-tracer's edge_threshold (0.98). */
  edge: number;
}

export const DEFAULT_THRESHOLDS: CircuitThresholds = { node: 0.8, edge: 0.98 };

/** The full graph's scores and the pruned graph's (what the JSON holds). */
export interface CircuitScores {
  full: GraphScores;
  pruned: GraphScores;
}

export type ToWorkerCircuits =
  | {
      type: "circuit-compute";
      requestId: string;
      /** Names the graph: its IndexedDB key and its JSON's slug. */
      graphId: string;
      set: TranscoderSetRef;
      /** For people (metadata.info.set). */
      setName: string;
      prompt: string;
      thresholds: CircuitThresholds;
      maxFeatureNodes?: number;
      batchRows?: number;
    }
  | { type: "circuit-cancel"; requestId: string }
  /** Prune the kept graph again at new thresholds (answered with circuit-pruned). */
  | {
      type: "circuit-prune";
      requestId: string;
      graphId: string;
      thresholds: CircuitThresholds;
    }
  /** The pinned nodes' own scores, as Neuronpedia computes them (answered with circuit-subgraph). */
  | {
      type: "circuit-subgraph";
      requestId: string;
      graphId: string;
      thresholds: CircuitThresholds;
      pinnedIds: string[];
    }
  /** A feature's weight-based connections and de-embedding (answered with circuit-connections). */
  | {
      type: "circuit-connections";
      requestId: string;
      set: TranscoderSetRef;
      layer: number;
      feature: number;
    };

/** A feature's input-invariant neighbours (weightConnections.ts), tokens as text. */
export interface FeatureConnections {
  upstream: LayerConnections[];
  downstream: LayerConnections[];
  deembedding?: Extremes & { topText: string[]; bottomText: string[] };
}

export type FromWorkerCircuits =
  | {
      type: "circuit-progress";
      requestId: string;
      stage: "loading" | "rows" | "pruning";
      rowsDone: number;
      rowsTotal: number;
      passes: number;
    }
  | {
      type: "circuit-ready";
      requestId: string;
      graphId: string;
      json: GraphJson;
      scores: CircuitScores;
      seconds: number;
      passes: number;
      rows: number;
    }
  | {
      type: "circuit-pruned";
      requestId: string;
      graphId: string;
      json: GraphJson;
      scores: CircuitScores;
    }
  | { type: "circuit-subgraph"; requestId: string; scores?: GraphScores; why?: string }
  | { type: "circuit-connections"; requestId: string; connections: FeatureConnections }
  | { type: "circuit-error"; requestId: string; message: string };

const CIRCUIT_TYPES = new Set<string>([
  "circuit-compute",
  "circuit-cancel",
  "circuit-prune",
  "circuit-subgraph",
  "circuit-connections",
] satisfies ToWorkerCircuits["type"][]);

export function isCircuitsMessage(m: { type: string }): m is ToWorkerCircuits {
  return CIRCUIT_TYPES.has(m.type);
}
