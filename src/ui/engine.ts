import type { FromWorker, ToWorker } from "../worker/protocol.ts";
import { EngineClient } from "./engineClient.ts";

type Listener = (m: FromWorker) => void;

const listeners = new Set<Listener>();
let client: EngineClient | undefined;

/** The page's one engine worker (one GPU device), shared by every panel. */
export function sendToEngine(message: ToWorker): void {
  client ??= new EngineClient((m) => listeners.forEach((l) => l(m)));
  client.send(message);
}

/** Subscribes to every message from the worker; returns the unsubscribe function. */
export function onEngineMessage(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
