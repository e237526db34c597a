import type { FromWorker } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";
import { saveZip } from "../runs/download.ts";

const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

/** Asks the worker to zip a loaded dictionary as a SAELens folder, then saves the file. */
export function exportLoaded(loadId: string, fileName: string): Promise<void> {
  return new Promise((resolve, reject) => {
    waiting.set(loadId, { resolve, reject });
    sendToEngine({ type: "export-loaded", loadId, fileName });
  });
}

/** Feeds worker messages to pending exports. */
export function receiveLoadedExport(m: FromWorker): void {
  if (m.type !== "loaded-export-ready" && m.type !== "loaded-export-error") return;
  const w = waiting.get(m.loadId);
  waiting.delete(m.loadId);
  if (m.type === "loaded-export-error") {
    w?.reject(new Error(m.message));
    return;
  }
  saveZip(m.bytes, m.fileName);
  w?.resolve();
}

/** A file name from untrusted text: word characters, dots and dashes only. */
export function exportFileName(source: string): string {
  const base = source
    .replace(/[^\w.-]+/g, "_")
    .replace(/^[_.]+|_+$/g, "")
    .slice(0, 80);
  return `${base || "dictionary"}-saelens.zip`;
}
