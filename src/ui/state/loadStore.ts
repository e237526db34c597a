import { create } from "zustand";
import type { DictClassChoice } from "../../engine/formats/recognize/dictClassChoice.ts";
import type { FromWorker, HubLoadSource, PickedFile } from "../../worker/protocol.ts";
import { recognizedTitle } from "../../storage/runNames.ts";
import { sendToEngine } from "../engine.ts";

export type LoadPhase = "reading" | "needs-class" | "needs-scale" | "loaded" | "error";

/** One thing the user brought: dropped files, a picked folder, or a Hub location. */
export interface LoadItem {
  id: string;
  /** What was loaded, for the list: a file or folder name, or org/repo/path. */
  source: string;
  from: "files" | "hub";
  phase: LoadPhase;
  progress?: { loaded: number; total: number; label: string };
  kind?: "dictionary" | "model";
  /** The one-line description (untrusted file contents: rendered as text). */
  description?: string;
  details?: Record<string, unknown>;
  notes: string[];
  /** Why it cannot run on the loaded model (it stays loaded for weight views). */
  mismatch?: string;
  error?: string;
  /** Why the normalization scale is needed, or why the last one was refused. */
  scaleMessage?: string;
  /** Why the files do not say their dictionary_learning class, and the classes to pick from. */
  classChoice?: { message: string; choices: DictClassChoice[] };
  /** Why "Export as SAELens" is unavailable. */
  exportRefusal?: string;
  /** A model item: being streamed onto the GPU to replace the model, or the model in use. */
  use?: "loading" | "current";
  /** Why the last "Use this model" failed (the previous model stayed in use). */
  useError?: string;
}

interface LoadState {
  /** Newest first. */
  items: LoadItem[];
  loadFiles: (name: string, files: PickedFile[]) => void;
  loadHub: (source: HubLoadSource, label: string) => void;
  /** An item that failed before reaching the worker (e.g. a folder too large to walk). */
  addFailed: (source: string, message: string) => void;
  cancel: (id: string) => void;
  remove: (id: string) => void;
  setNormScale: (id: string, scale: number) => void;
  setDictClass: (id: string, dictClass: DictClassChoice) => void;
  /** Replaces the engine's model with this model item. */
  chooseModel: (id: string) => void;
  cancelUse: (id: string) => void;
  receive: (m: FromWorker) => void;
  engineDied: () => void;
}

let counter = 0;
const nextId = () => `load-${++counter}`;

const newItem = (source: string, from: LoadItem["from"]): LoadItem => ({
  id: nextId(),
  source,
  from,
  phase: "reading",
  notes: [],
});

/** The loaded-weights list of the Inspect view; the weights themselves stay in the worker. */
export const useLoadStore = create<LoadState>((set, get) => {
  const update = (id: string, change: Partial<LoadItem>) =>
    set({ items: get().items.map((it) => (it.id === id ? { ...it, ...change } : it)) });
  const drop = (id: string) => set({ items: get().items.filter((it) => it.id !== id) });

  return {
    items: [],
    loadFiles: (name, files) => {
      const item = newItem(name, "files");
      set({ items: [item, ...get().items] });
      sendToEngine({ type: "load-files", loadId: item.id, name, files });
    },
    loadHub: (source, label) => {
      const item = newItem(label, "hub");
      set({ items: [item, ...get().items] });
      sendToEngine({ type: "load-hub", loadId: item.id, source });
    },
    addFailed: (source, message) =>
      set({
        items: [{ ...newItem(source, "files"), phase: "error", error: message }, ...get().items],
      }),
    cancel: (id) => {
      sendToEngine({ type: "cancel-load", loadId: id });
      drop(id);
    },
    remove: (id) => {
      const item = get().items.find((it) => it.id === id);
      if (item && item.phase !== "error") sendToEngine({ type: "unload", loadId: id });
      drop(id);
    },
    setNormScale: (id, scale) => {
      update(id, { scaleMessage: undefined });
      sendToEngine({ type: "set-norm-scale", loadId: id, scale });
    },
    setDictClass: (id, dictClass) => {
      update(id, { phase: "reading", classChoice: undefined });
      sendToEngine({ type: "set-dict-class", loadId: id, dictClass });
    },
    chooseModel: (id) => {
      update(id, { use: "loading", useError: undefined, progress: undefined });
      sendToEngine({ type: "use-model", loadId: id });
    },
    cancelUse: (id) => {
      sendToEngine({ type: "cancel-use-model", loadId: id });
      update(id, { use: undefined, progress: undefined });
    },
    receive: (m) => {
      switch (m.type) {
        case "model-ready": {
          const src = m.info.source;
          const inUse = src.kind === "loaded" ? src.loadId : undefined;
          set({
            items: get().items.map((it) =>
              it.id === inUse
                ? { ...it, use: "current", progress: undefined }
                : it.use === "current"
                  ? { ...it, use: undefined }
                  : it,
            ),
          });
          break;
        }
        case "model-error":
          if (m.use?.loadId) {
            update(m.use.loadId, { use: undefined, useError: m.message, progress: undefined });
          }
          break;
        case "load-split": {
          // A zip of folders: its item becomes one item per folder, in its place.
          const items = get().items;
          const at = items.findIndex((it) => it.id === m.loadId);
          if (at < 0) {
            // Removed while the zip was being opened: the worker must forget the parts too.
            for (const p of m.parts) sendToEngine({ type: "unload", loadId: p.loadId });
            break;
          }
          const parts = m.parts.map((p): LoadItem => ({
            id: p.loadId,
            source: p.name,
            from: "files",
            phase: "reading",
            notes: [],
          }));
          set({ items: [...items.slice(0, at), ...parts, ...items.slice(at + 1)] });
          break;
        }
        case "load-mismatch":
          update(m.loadId, { mismatch: m.mismatch });
          break;
        case "load-progress":
          update(m.loadId, { progress: { loaded: m.loaded, total: m.total, label: m.label } });
          break;
        case "recognized":
          update(m.loadId, {
            // Loose files named only by their format's file names get kind · site · width.
            source: recognizedTitle(
              get().items.find((it) => it.id === m.loadId)?.source ?? "",
              m.details,
            ),
            kind: m.kind,
            description: m.description,
            details: m.details,
            notes: m.notes,
            mismatch: m.mismatch,
          });
          break;
        case "needs-dict-class":
          update(m.loadId, {
            phase: "needs-class",
            classChoice: { message: m.message, choices: m.choices },
            progress: undefined,
          });
          break;
        case "needs-norm-scale":
          update(m.loadId, { phase: "needs-scale", scaleMessage: m.message, progress: undefined });
          break;
        case "loaded":
          update(m.loadId, {
            phase: "loaded",
            progress: undefined,
            scaleMessage: undefined,
            exportRefusal: m.exportRefusal,
          });
          break;
        case "load-error":
          update(m.loadId, { phase: "error", error: m.message, progress: undefined });
          break;
      }
    },
    engineDied: () =>
      set({
        items: get().items.map((it) =>
          it.phase === "error"
            ? it
            : {
                ...it,
                phase: "error",
                progress: undefined,
                error:
                  "the engine stopped and the weights it held are gone; remove this and load it again",
              },
        ),
      }),
  };
});
