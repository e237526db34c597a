import type { FromWorker } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";

const waiting = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

/**
 * Asks the worker to zip a run's weights as SAELens folders (with `set`, its transcoders as a
 * transcoder set), then saves the file.
 */
export function downloadRun(runId: string, fileName: string, set = false): Promise<void> {
  return new Promise((resolve, reject) => {
    waiting.set(runId, { resolve, reject });
    sendToEngine({ type: "export-run", runId, fileName, set });
  });
}

/** Feeds worker messages to pending downloads. */
export function receiveDownload(m: FromWorker): void {
  if (m.type !== "export-ready" && m.type !== "export-error") return;
  const w = waiting.get(m.runId);
  waiting.delete(m.runId);
  if (m.type === "export-error") {
    w?.reject(new Error(m.message));
    return;
  }
  saveZip(m.bytes, m.fileName);
  w?.resolve();
}

/** Hands zip bytes made by the worker to the browser as a download. */
export function saveZip(bytes: ArrayBuffer, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/zip" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
