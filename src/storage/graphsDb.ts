/**
 * Attribution graphs that last: their own IndexedDB database (through `idb`), beside the runs'.
 * `graphs` holds what the page lists and reopens (the graph JSON at its thresholds, the reader's
 * pins, supernodes and labels); `full` the whole adjacency, written and read by the engine
 * worker only, so that a reopened graph re-prunes without recomputing.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { AttributionGraph } from "../engine/circuits/attributionGraph.ts";
import type { GraphJson } from "../engine/circuits/graphJsonTypes.ts";
import type { GraphScores } from "../engine/circuits/graphScores.ts";
import type { TranscoderSetRef, CircuitThresholds } from "../worker/circuitsProtocol.ts";

/** A graph as the page keeps it. */
export interface SavedGraph {
  id: string;
  createdAt: number;
  prompt: string;
  set: TranscoderSetRef;
  setName: string;
  thresholds: CircuitThresholds;
  json: GraphJson;
  scores: { full: GraphScores; pruned: GraphScores };
  pinnedIds: string[];
  /** [label, ...node_ids] each, as qParams holds them. */
  supernodes: string[][];
  clerps: Record<string, string>;
}

/** The list's row: everything but the JSON. */
export type SavedGraphSummary = Omit<SavedGraph, "json"> & { nodes: number; links: number };

interface GraphSchema extends DBSchema {
  graphs: { key: string; value: SavedGraph };
  full: { key: string; value: { id: string; graph: AttributionGraph } };
}

export const GRAPH_DB_NAME = "transcoder-playground-graphs";
const VERSION = 1;

let db: Promise<IDBPDatabase<GraphSchema>> | undefined;

function open(): Promise<IDBPDatabase<GraphSchema>> {
  db ??= openDB<GraphSchema>(GRAPH_DB_NAME, VERSION, {
    upgrade(d) {
      d.createObjectStore("graphs", { keyPath: "id" });
      d.createObjectStore("full", { keyPath: "id" });
    },
  });
  db.catch(() => (db = undefined));
  return db;
}

async function guard<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const e = err as DOMException;
    throw new Error(
      e?.name === "QuotaExceededError"
        ? `The browser's storage is full: could not save ${what}. Delete old graphs or runs to make room.`
        : `Could not save ${what} in the browser's storage: ${e?.message ?? String(err)}`,
      { cause: err },
    );
  }
}

export function summaryOf(g: SavedGraph): SavedGraphSummary {
  const { json, ...rest } = g;
  return { ...rest, nodes: json.nodes.length, links: json.links.length };
}

export const graphsDb = {
  /** Newest first. */
  async all(): Promise<SavedGraphSummary[]> {
    const graphs = await (await open()).getAll("graphs");
    return graphs.map(summaryOf).sort((a, b) => b.createdAt - a.createdAt);
  },
  async get(id: string): Promise<SavedGraph | undefined> {
    return (await open()).get("graphs", id);
  },
  put(g: SavedGraph): Promise<void> {
    return guard(`graph "${g.prompt}"`, async () => {
      await (await open()).put("graphs", g);
    });
  },
  putFull(id: string, graph: AttributionGraph): Promise<void> {
    return guard("the graph's adjacency", async () => {
      await (await open()).put("full", { id, graph });
    });
  },
  async full(id: string): Promise<AttributionGraph | undefined> {
    return (await (await open()).get("full", id))?.graph;
  },
  async delete(id: string): Promise<void> {
    const d = await open();
    const tx = d.transaction(["graphs", "full"], "readwrite");
    await Promise.all([
      tx.objectStore("graphs").delete(id),
      tx.objectStore("full").delete(id),
      tx.done,
    ]);
  },
};
