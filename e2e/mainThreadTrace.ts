import type { CDPSession, Page } from "@playwright/test";

/** One main-thread task of the page: how long it took, and how much of that the thread ran. */
export interface MainThreadTask {
  wallMs: number;
  /** The thread's CPU time in the task (the page's own work; the rest is waiting for a core). */
  cpuMs: number;
}

/** A task of a thread's scheduler, in the "toplevel" category, with `dur` and thread time `tdur`. */
const TASK = "ThreadControllerImpl::RunTask";

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/**
 * Records every top-level task of the browser (a Chromium trace of the "toplevel" category) until
 * stop() returns the page's main-thread tasks over `overMs`. A longtask observer sees only wall
 * time: on a machine whose cores are shared (SwiftShader's threads, other work) a task of 3 ms of
 * work can last 400 ms waiting for a core. The trace's thread time tells the two apart.
 */
export async function traceMainThread(
  page: Page,
  overMs = 50,
): Promise<{ stop: () => Promise<MainThreadTask[]> }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (e: { value: object[] }) => {
    for (const v of e.value as TraceEvent[]) {
      // Keep only what is needed: thread names and tasks long enough to matter.
      if (v.name === "thread_name" || (v.name === TASK && (v.dur ?? 0) > overMs * 1000)) {
        events.push(v);
      }
    }
  });
  await cdp.send("Tracing.start", {
    traceConfig: { includedCategories: ["toplevel"] },
    transferMode: "ReportEvents",
  });
  return {
    async stop() {
      const complete = new Promise<void>((resolve) =>
        cdp.once("Tracing.tracingComplete", () => resolve()),
      );
      await cdp.send("Tracing.end");
      await complete;
      await cdp.detach();
      return mainThreadTasks(events);
    },
  };
}

/** The page's renderer main thread's tasks (the renderer main thread with the most task time). */
function mainThreadTasks(events: TraceEvent[]): MainThreadTask[] {
  const mains = new Set(
    events
      .filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain")
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.name !== TASK || e.ph !== "X" || !mains.has(key)) continue;
    byThread.set(key, [...(byThread.get(key) ?? []), e]);
  }
  const total = (tasks: TraceEvent[]) => tasks.reduce((s, t) => s + (t.tdur ?? 0), 0);
  const page = [...byThread.values()].sort((a, b) => total(b) - total(a))[0] ?? [];
  return page.map((t) => ({ wallMs: (t.dur ?? 0) / 1000, cpuMs: (t.tdur ?? 0) / 1000 }));
}
