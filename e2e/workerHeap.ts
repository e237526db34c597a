/**
 * Samples the JS heap of a page's dedicated workers through the DevTools protocol
 * (Runtime.getHeapUsage): workers have no performance.memory. Start it before the page opens.
 */
import type { CDPSession, Page } from "@playwright/test";

export interface HeapSample {
  /** V8 heap in use. */
  usedSize: number;
  /** ArrayBuffer backing stores (typed arrays live outside the heap proper). */
  backingStorageSize: number;
}

export interface WorkerHeapSampler {
  /** Clears the peaks; sampling goes on. The last sample becomes the baseline. */
  resetPeak(): void;
  /** The largest of each since the last reset, and the baseline then. */
  peak(): HeapSample & { total: number; baseline: HeapSample };
  stop(): Promise<void>;
}

export async function sampleWorkerHeap(page: Page, everyMs = 50): Promise<WorkerHeapSampler> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const workers: string[] = [];
  const pending = new Map<number, (m: { result?: HeapSample }) => void>();
  let nextId = 1;
  cdp.on("Target.attachedToTarget", (e) => {
    if (e.targetInfo.type === "worker") workers.push(e.sessionId);
  });
  cdp.on("Target.detachedFromTarget", (e) => {
    const i = workers.indexOf(e.sessionId);
    if (i >= 0) workers.splice(i, 1);
  });
  cdp.on("Target.receivedMessageFromTarget", (e) => {
    const m = JSON.parse(e.message) as { id?: number; result?: HeapSample };
    if (m.id !== undefined) pending.get(m.id)?.(m);
    if (m.id !== undefined) pending.delete(m.id);
  });
  await cdp.send("Target.setAutoAttach", {
    autoAttach: true,
    waitForDebuggerOnStart: false,
    flatten: false,
  });
  const usage = async (sessionId: string): Promise<HeapSample | undefined> => {
    const id = nextId++;
    const answer = new Promise<{ result?: HeapSample }>((resolve) => pending.set(id, resolve));
    await cdp.send("Target.sendMessageToTarget", {
      sessionId,
      message: JSON.stringify({ id, method: "Runtime.getHeapUsage" }),
    });
    const late = new Promise<{ result?: HeapSample }>((resolve) =>
      setTimeout(() => resolve({}), 2000),
    );
    return (await Promise.race([answer, late])).result;
  };
  const zero = () => ({ usedSize: 0, backingStorageSize: 0, total: 0 });
  let best = zero();
  let last: HeapSample = zero();
  let baseline: HeapSample = zero();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const s of [...workers]) {
        const r = await usage(s).catch(() => undefined);
        const total = r ? r.usedSize + r.backingStorageSize : 0;
        if (!r) continue;
        last = r;
        best = {
          usedSize: Math.max(best.usedSize, r.usedSize),
          backingStorageSize: Math.max(best.backingStorageSize, r.backingStorageSize),
          total: Math.max(best.total, total),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    resetPeak: () => {
      baseline = last;
      best = zero();
    },
    peak: () => ({ ...best, baseline }),
    stop: async () => {
      running = false;
      await loop;
      await cdp.detach().catch(() => {});
    },
  };
}
