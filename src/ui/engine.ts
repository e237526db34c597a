import type { FromWorker, ToWorker } from "../worker/protocol.ts";
import { EngineClient } from "./engineClient.ts";

type Listener = (m: FromWorker) => void;

const listeners = new Set<Listener>();
const deathListeners = new Set<(message: string) => void>();
let client: EngineClient | undefined;

function start(): EngineClient {
  const c = new EngineClient(
    (m) => listeners.forEach((l) => l(m)),
    (message) => {
      // A worker that threw out of its handlers is not trusted again: end it for good.
      c.terminate();
      if (client === c) client = undefined;
      deathListeners.forEach((l) => l(message));
    },
  );
  return c;
}

/** The page's one engine worker (one GPU device), shared by every view. */
export function sendToEngine(message: ToWorker): void {
  client ??= start();
  client.send(message);
}

/** Subscribes to every message from the worker; returns the unsubscribe function. */
export function onEngineMessage(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Hears when the worker dies (an uncaught error, or it closed itself). */
export function onEngineDeath(listener: (message: string) => void): () => void {
  deathListeners.add(listener);
  return () => deathListeners.delete(listener);
}
