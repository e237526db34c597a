import type { FromWorker, ToWorker } from "../worker/protocol.ts";

/** The UI's handle on the engine worker: typed messages in, typed messages out. */
export class EngineClient {
  private readonly worker: Worker;

  constructor(onMessage: (m: FromWorker) => void, onDeath: (message: string) => void) {
    this.worker = new Worker(new URL("../worker/engine.worker.ts", import.meta.url), {
      type: "module",
    });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      onDeath(e.message || "the engine worker failed");
    };
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  terminate(): void {
    this.worker.terminate();
  }
}
