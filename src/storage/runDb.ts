/**
 * Runs that last: one IndexedDB database (through `idb`) with three stores, used by the page
 * (run records) and by the engine worker (checkpoints and final weights, which never cross to
 * the main thread).
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import type { SessionCheckpoint } from "../engine/stream/streamSession.ts";
import { withNames } from "./runNames.ts";
import { withDictionaryIds, type RunRecord } from "./runRecord.ts";

/** The latest checkpoint of a run: its session state and the step it was taken after. */
export interface StoredCheckpoint {
  runId: string;
  step: number;
  session: SessionCheckpoint;
  savedAt: number;
}

/** A run's final weights (raw-activation space) and feature densities, for download. */
export interface StoredWeights {
  runId: string;
  /** The step they are of (absent in runs saved before it was recorded). */
  step?: number;
  dictionaries: {
    id: string;
    spec: DictionarySpec;
    params: DictionaryParams;
    /** log10 firing frequency per latent over the run's last steps. */
    sparsity: Float32Array<ArrayBuffer>;
  }[];
}

interface RunSchema extends DBSchema {
  runs: { key: string; value: RunRecord };
  checkpoints: { key: string; value: StoredCheckpoint };
  weights: { key: string; value: StoredWeights };
}

export const RUN_DB_NAME = "transcoder-playground";
const VERSION = 1;

let db: Promise<IDBPDatabase<RunSchema>> | undefined;

function open(): Promise<IDBPDatabase<RunSchema>> {
  db ??= openDB<RunSchema>(RUN_DB_NAME, VERSION, {
    upgrade(d) {
      d.createObjectStore("runs", { keyPath: "id" });
      d.createObjectStore("checkpoints", { keyPath: "runId" });
      d.createObjectStore("weights", { keyPath: "runId" });
    },
  });
  db.catch(() => (db = undefined));
  return db;
}

/** Says what failed in words (quota errors above all) instead of a bare DOMException. */
export class StorageError extends Error {}

async function guard<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const e = err as DOMException;
    const quota = e?.name === "QuotaExceededError";
    throw new StorageError(
      quota
        ? `The browser's storage is full: could not save ${what}. Delete old runs in the Runs view to make room.`
        : `Could not save ${what} in the browser's storage: ${e?.message ?? String(err)}`,
    );
  }
}

export const runDb = {
  /** Oldest first, each with a name (withNames). */
  async allRuns(): Promise<RunRecord[]> {
    const runs = await (await open()).getAll("runs");
    return withNames(runs.map(withDictionaryIds).sort((a, b) => a.createdAt - b.createdAt));
  },
  async run(id: string): Promise<RunRecord | undefined> {
    return (await runDb.allRuns()).find((r) => r.id === id);
  },
  putRun(run: RunRecord): Promise<void> {
    return guard(`run ${run.label || run.id}`, async () => {
      await (await open()).put("runs", run);
    });
  },
  async deleteRun(id: string): Promise<void> {
    const d = await open();
    const tx = d.transaction(["runs", "checkpoints", "weights"], "readwrite");
    await Promise.all([
      tx.objectStore("runs").delete(id),
      tx.objectStore("checkpoints").delete(id),
      tx.objectStore("weights").delete(id),
      tx.done,
    ]);
  },
  putCheckpoint(c: StoredCheckpoint): Promise<void> {
    return guard(`the checkpoint at step ${c.step}`, async () => {
      await (await open()).put("checkpoints", c);
    });
  },
  async checkpoint(runId: string): Promise<StoredCheckpoint | undefined> {
    return (await open()).get("checkpoints", runId);
  },
  putWeights(w: StoredWeights): Promise<void> {
    return guard("the final weights", async () => {
      await (await open()).put("weights", w);
    });
  },
  async weights(runId: string): Promise<StoredWeights | undefined> {
    return (await open()).get("weights", runId);
  },
};
