/**
 * The page's cache of the GEMM kernels chosen per adapter (autotune.ts): its own small IndexedDB
 * database, so that the runs' database and its version stay as they are.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { GemmTuneCache } from "../engine/gpu/autotune.ts";
import type { GemmChoice } from "../engine/gpu/gemmVariants.ts";

interface GemmSchema extends DBSchema {
  choices: { key: string; value: GemmChoice };
}

let db: Promise<IDBPDatabase<GemmSchema>> | undefined;

function open(): Promise<IDBPDatabase<GemmSchema>> {
  db ??= openDB<GemmSchema>("transcoder-playground-gemm", 1, {
    upgrade(d) {
      d.createObjectStore("choices");
    },
  });
  return db;
}

export const gemmTuneDb: GemmTuneCache = {
  async get(key) {
    return (await open()).get("choices", key);
  },
  async set(key, choice) {
    await (await open()).put("choices", choice, key);
  },
};
