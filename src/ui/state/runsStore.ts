import { create } from "zustand";
import { runDb } from "../../storage/runDb.ts";
import { nextRunName } from "../../storage/runNames.ts";
import { seedsOf, type RunRecord } from "../../storage/runRecord.ts";
import type { FromWorker, RunPhase, StreamRunConfig } from "../../worker/protocol.ts";
import { sendToEngine } from "../engine.ts";
import { configDiffLabel } from "../runs/configDiff.ts";
import { withTruthPoints } from "../train/syntheticTruth.ts";
import { expandRunConfig } from "./runExpansion.ts";
import { elapsedMs, setActive, startClock, withEta, type RunClock } from "../shell/runClock.ts";

export interface RunFaultInfo {
  kind: string;
  message: string;
  hint?: string;
  step?: number;
  dictionary?: string;
}

interface LiveRun {
  runId: string;
  /** The worker holds the run (it can pause, step, resume without replaying). */
  attached: boolean;
  phase: RunPhase | "idle";
  message?: string;
  /** Active time over every session of the run, and the worker's last ETA (runClock.ts). */
  clock: RunClock;
  /** Asked of the worker and not done yet: the controls say so at once ("Pausing…"). */
  pending?: "pause" | "stop";
  /** Scoring a stopped run's saved weights (Evaluate), not training it. */
  evaluateOnly?: boolean;
  /** The step and tokens of the worker's last progress report. */
  step?: number;
  tokens?: number;
  /** The evaluation at the end: windows read of all. */
  windows?: { done: number; total: number };
  tokensPerSecond?: number;
  streamTokensPerSecond?: number;
  /** Steps between live ce_loss_score measurements. */
  liveEvery?: number;
}

/** What may change while a run is paused (k and the architecture may not). */
export interface PausedChange {
  lr: number;
  l1Coefficient: number;
  /** JumpReLU only. */
  l0Coefficient?: number;
}

interface RunsState {
  runs: RunRecord[];
  loaded: boolean;
  live?: LiveRun;
  fault?: RunFaultInfo;
  storageError?: string;
  load: () => Promise<void>;
  train: (config: StreamRunConfig) => void;
  pause: () => void;
  resume: () => void;
  step: () => void;
  stop: () => void;
  reset: () => void;
  /** While paused (or interrupted): lr, L1, and JumpReLU's L0 coefficient. */
  setHyperparameters: (dictionary: string, change: PausedChange) => void;
  /** Continues an interrupted or stopped run from its checkpoint. */
  resumeRun: (id: string) => void;
  /** Scores a stopped run's saved weights spliced into the model (its Results). */
  evaluate: (id: string) => void;
  toggleVisible: (id: string) => void;
  /** A run's name (a blank one is ignored) and notes, kept with it. */
  rename: (id: string, name: string) => void;
  setNotes: (id: string, notes: string) => void;
  deleteRun: (id: string) => Promise<void>;
  receive: (m: FromWorker) => void;
  /** Applies one worker message now (receive queues the frequent ones). */
  apply: (m: FromWorker) => void;
  engineDied: (message: string) => void;
}

/** How often a running run's record is written to IndexedDB (and on every status change). */
const SAVE_EVERY_MS = 2000;
const pendingSave = new Map<string, ReturnType<typeof setTimeout>>();
const CHART_UPDATE_MS = 500;
/** Progress reports come up to 4 a second; the run record (and the charts) take one every 2 s. */
let progressPatchedAt = -Infinity;
/** Phases in which the run's clock runs. */
const activePhase = (phase: LiveRun["phase"]) =>
  phase === "running" || phase === "preparing" || phase === "evaluating";
const queued: FromWorker[] = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

export const useRunsStore = create<RunsState>((set, get) => {
  const patchRun = (id: string, patch: (r: RunRecord) => Partial<RunRecord>, now = false) => {
    let updated: RunRecord | undefined;
    set({
      runs: get().runs.map((r) => {
        if (r.id !== id) return r;
        updated = { ...r, ...patch(r) };
        return updated;
      }),
    });
    if (updated) save(updated.id, now);
  };
  const save = (id: string, now: boolean) => {
    const write = () => {
      pendingSave.delete(id);
      const run = get().runs.find((r) => r.id === id);
      if (!run) return;
      runDb.putRun(run).catch((err: unknown) => set({ storageError: (err as Error).message }));
    };
    const timer = pendingSave.get(id);
    if (now) {
      if (timer) clearTimeout(timer);
      write();
    } else if (!timer) {
      pendingSave.set(id, setTimeout(write, SAVE_EVERY_MS));
    }
  };
  const current = () => {
    const live = get().live;
    return live ? get().runs.find((r) => r.id === live.runId) : undefined;
  };
  const elapsed = (live: LiveRun) => elapsedMs(live.clock, performance.now());
  const send = (type: "pause" | "resume" | "step" | "stop") => {
    const live = get().live;
    if (live?.attached) sendToEngine({ type, runId: live.runId });
  };
  const attach = (run: RunRecord, resume: boolean) => {
    set({
      fault: undefined,
      live: {
        runId: run.id,
        attached: true,
        phase: "preparing",
        clock: startClock(run.elapsedMs, performance.now(), true),
      },
    });
    patchRun(run.id, () => ({ status: "running", message: undefined }), true);
    sendToEngine({ type: "train", runId: run.id, config: run.config, resume });
  };
  const detach = (status: RunRecord["status"], message?: string) => {
    const live = get().live;
    if (!live) return;
    const ms = elapsed(live);
    patchRun(live.runId, () => ({ status, message, elapsedMs: ms }), true);
    const clock = { before: ms };
    set({ live: { ...live, attached: false, phase: "idle", clock, pending: undefined } });
  };

  return {
    runs: [],
    loaded: false,
    async load() {
      try {
        const runs = await runDb.allRuns();
        // A run that was running or paused when the page went away is interrupted.
        const fixed = runs.map((r) =>
          r.status === "running" || r.status === "paused"
            ? { ...r, status: "interrupted" as const }
            : r,
        );
        set({ runs: fixed, loaded: true });
        for (const r of fixed) if (r.status === "interrupted") save(r.id, true);
      } catch (err) {
        set({ loaded: true, storageError: `Could not read saved runs: ${(err as Error).message}` });
      }
    },
    train(template) {
      // The sweep and layer list become the run's list of dictionaries (runExpansion.ts).
      let config: StreamRunConfig;
      try {
        config = expandRunConfig(template);
      } catch (err) {
        set({ fault: { kind: "config", message: (err as Error).message } });
        return;
      }
      const runs = get().runs;
      const previous = runs[runs.length - 1];
      const run: RunRecord = {
        id: `run-${Date.now().toString(36)}`,
        createdAt: Date.now(),
        config,
        name: nextRunName(runs),
        seeds: seedsOf(config),
        label: configDiffLabel(previous?.config, config),
        color: (previous?.color ?? -1) + 1,
        status: "running",
        step: 0,
        tokens: 0,
        histories: {},
        liveEvals: {},
        evals: {},
        changes: [],
        visible: true,
        elapsedMs: 0,
      };
      set({ runs: [...runs, run] });
      attach(run, false);
    },
    pause() {
      const live = get().live;
      if (!live?.attached || !activePhase(live.phase) || live.pending) return;
      set({ live: { ...live, pending: "pause" } });
      send("pause");
    },
    resume() {
      const live = get().live;
      const run = current();
      if (!live || !run) return;
      if (live.attached) {
        if (live.pending === "pause") set({ live: { ...live, pending: undefined } });
        send("resume");
      } else attach(run, true);
    },
    step: () => send("step"),
    stop() {
      const live = get().live;
      if (live?.attached) {
        set({ live: { ...live, pending: "stop" } });
        send("stop");
      } else if (live) {
        patchRun(live.runId, () => ({ status: "stopped" }), true);
        set({ live: undefined });
      }
    },
    reset() {
      const run = current();
      if (!run) return;
      patchRun(run.id, () => ({ histories: {}, liveEvals: {} }), true);
    },
    setHyperparameters(dictionary, change) {
      const live = get().live;
      const run = current();
      if (!live || !run || (!live.attached && run.status !== "interrupted")) return;
      // The Train view edits one dictionary per kind: in a sweep it applies to each of that
      // kind, each keeping its own swept value.
      const targets = run.config.dictionaries.filter(
        (d) => d.id === dictionary || (d.kind === dictionary && d.id !== d.kind),
      );
      const changes = new Map(
        targets.map((d) => {
          const swept = d.swept?.setting;
          const l0 = d.architecture === "jumprelu" && change.l0Coefficient !== undefined;
          return [
            d.id,
            {
              lr: swept === "lr" ? d.lr : change.lr,
              l1Coefficient: swept === "l1_coefficient" ? d.l1Coefficient : change.l1Coefficient,
              ...(l0
                ? {
                    l0Coefficient:
                      swept === "l0_coefficient" ? d.l0Coefficient : change.l0Coefficient,
                  }
                : {}),
            },
          ];
        }),
      );
      const config = {
        ...run.config,
        dictionaries: run.config.dictionaries.map((d) => ({ ...d, ...changes.get(d.id) })),
      };
      patchRun(run.id, () => ({ config }), true);
      // A live run takes it from its next step; a stopped one when it resumes (the worker
      // records the change either way).
      if (live.attached) {
        for (const [id, c] of changes) {
          sendToEngine({
            type: "set-hyperparameters",
            runId: run.id,
            change: { dictionary: id, ...c },
          });
        }
      }
    },
    resumeRun(id) {
      const run = get().runs.find((r) => r.id === id);
      if (!run || get().live?.attached) return;
      if (run.checkpointStep === undefined) return;
      attach(run, true);
    },
    evaluate(id) {
      const run = get().runs.find((r) => r.id === id);
      if (!run || get().live?.attached || run.status !== "stopped") return;
      set({
        fault: undefined,
        live: {
          runId: id,
          attached: true,
          phase: "preparing",
          clock: startClock(run.elapsedMs, performance.now(), true),
          evaluateOnly: true,
        },
      });
      sendToEngine({ type: "evaluate", runId: id, config: run.config });
    },
    toggleVisible: (id) => patchRun(id, (r) => ({ visible: !r.visible }), true),
    rename: (id, name) => {
      if (name.trim() !== "") patchRun(id, () => ({ name: name.trim() }), true);
    },
    setNotes: (id, notes) => patchRun(id, () => ({ notes }), true),
    async deleteRun(id) {
      if (get().live?.runId === id && get().live?.attached) return;
      await runDb.deleteRun(id);
      set({
        runs: get().runs.filter((r) => r.id !== id),
        live: get().live?.runId === id ? undefined : get().live,
      });
    },
    engineDied(message) {
      if (get().live?.attached) detach("interrupted", `The engine stopped: ${message}`);
    },
    receive(m) {
      // Progress moves the bar only; it neither waits for nor flushes the curves.
      if (m.type === "progress") {
        get().apply(m);
        return;
      }
      // Curves arrive many times a second; the page redraws them at most twice a second.
      if (m.type === "metrics" || m.type === "live-eval" || m.type === "live-truth") {
        queued.push(m);
        flushTimer ??= setTimeout(() => {
          flushTimer = undefined;
          const batch = queued.splice(0);
          batch.forEach((q) => get().apply(q));
        }, CHART_UPDATE_MS);
        return;
      }
      if (flushTimer) {
        clearTimeout(flushTimer);
        flushTimer = undefined;
      }
      queued.splice(0).forEach((q) => get().apply(q));
      get().apply(m);
    },
    apply(m) {
      const live = get().live;
      if (!("runId" in m) || !live || m.runId !== live.runId) {
        if (m.type === "fault" && !("runId" in m && m.runId)) set({ fault: m });
        return;
      }
      const id = live.runId;
      switch (m.type) {
        case "run-state": {
          const now = performance.now();
          const clock = setActive(live.clock, activePhase(m.phase), now);
          const pending =
            m.phase === "paused" && live.pending === "pause" ? undefined : live.pending;
          const windows =
            m.phase === "evaluating" || m.phase === "paused" ? live.windows : undefined;
          // While preparing (filling the store, replaying to the checkpoint) the step shown
          // stays the run's own, not the replay's count.
          const preparing = m.phase === "preparing";
          const step = preparing ? live.step : m.step;
          set({
            live: { ...live, phase: m.phase, message: m.message, clock, pending, step, windows },
          });
          // Evaluating a stopped run leaves it stopped.
          const status = m.phase === "paused" ? "paused" : "running";
          const elapsed = elapsedMs(clock, now);
          patchRun(
            id,
            (r) => ({
              status: live.evaluateOnly ? r.status : status,
              step: preparing ? r.step : m.step,
              elapsedMs: elapsed,
            }),
            true,
          );
          break;
        }
        case "progress": {
          const now = performance.now();
          const clock = withEta(live.clock, m.etaMs, now);
          const windows =
            m.windowsTotal !== undefined
              ? { done: m.windowsDone ?? 0, total: m.windowsTotal }
              : undefined;
          set({ live: { ...live, clock, step: m.step, tokens: m.tokens, windows } });
          // The record keeps the step and the elapsed time (a reload resumes with them).
          if (now - progressPatchedAt > SAVE_EVERY_MS) {
            progressPatchedAt = now;
            const elapsed = elapsedMs(clock, now);
            patchRun(id, () => ({ step: m.step, tokens: m.tokens, elapsedMs: elapsed }));
          }
          break;
        }
        case "metrics": {
          set({
            live: {
              ...live,
              tokensPerSecond: m.tokensPerSecond,
              streamTokensPerSecond: m.streamTokensPerSecond,
            },
          });
          patchRun(id, (r) => {
            const histories = { ...r.histories };
            for (const { dictionary, metrics } of m.entries) {
              const point = { ...metrics, tokens: m.tokens, tokensPerSecond: m.tokensPerSecond };
              histories[dictionary] = [...(histories[dictionary] ?? []), point];
            }
            return { step: m.entries[0]?.metrics.step ?? r.step, tokens: m.tokens, histories };
          });
          break;
        }
        case "live-eval":
          set({ live: { ...live, liveEvery: m.every } });
          patchRun(id, (r) => ({
            liveEvals: {
              ...r.liveEvals,
              [m.dictionary]: [
                ...(r.liveEvals[m.dictionary] ?? []),
                { step: m.step, tokens: m.tokens, ce_loss_score: m.ce_loss_score },
              ],
            },
          }));
          break;
        case "live-truth":
          set({ live: { ...live, liveEvery: m.every } });
          patchRun(id, (r) => ({ truthPoints: withTruthPoints(r.truthPoints, m) }));
          break;
        case "truth":
          patchRun(id, (r) => ({ truth: { ...r.truth, [m.dictionary]: m.truth } }), true);
          break;
        case "checkpoint":
          patchRun(id, () => ({ checkpointStep: m.step }), true);
          break;
        case "hyperparameters":
          patchRun(id, (r) => ({ changes: [...r.changes, m.change] }), true);
          break;
        case "eval":
          patchRun(id, (r) => ({ evals: { ...r.evals, [m.dictionary]: m.metrics } }), true);
          break;
        case "done":
          detach("done");
          set({ live: undefined });
          break;
        case "stopped":
          patchRun(id, () => ({ step: m.steps }));
          detach("stopped");
          set({ live: undefined });
          break;
        case "evaluated": {
          const run = current();
          detach(run?.status ?? "stopped", run?.message);
          set({ live: undefined });
          break;
        }
        case "fault":
          set({ fault: m });
          detach("interrupted", m.message);
          break;
        case "error":
          // A failed evaluation of a stopped run leaves it stopped, saying why.
          if (live.evaluateOnly) {
            set({ fault: { kind: "evaluate", message: `Evaluation failed: ${m.message}` } });
            detach("stopped");
            set({ live: undefined });
          } else detach("failed", m.message);
          break;
      }
    },
  };
});

/** The run the Train view shows: the live one, else the newest. */
export function useCurrentRun(): RunRecord | undefined {
  return useRunsStore((s) => {
    const id = s.live?.runId;
    return id ? s.runs.find((r) => r.id === id) : s.runs[s.runs.length - 1];
  });
}

/** The worker holds a run (the model cannot change under it). */
export function runInProgress(s: Pick<RunsState, "live">): boolean {
  return s.live?.attached === true && s.live.phase !== "idle";
}
