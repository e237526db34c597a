import type { FileSet } from "../engine/formats/fileSet.ts";
import {
  describeRecognized,
  NeedsDictClass,
  recognize,
  recognizedJson,
  type DictClassChoice,
  type LoadedDictionary,
  type RecognizeOptions,
  type RecognizedModel,
} from "../engine/formats/recognize/index.ts";
import { saelensForm, withNormScale } from "../engine/formats/recognize/finishLoad.ts";
import { saelensZip } from "../engine/formats/saelensZip.ts";
import { isZipName, zipFolders } from "../engine/formats/zipFolders.ts";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import type { Gpt2Config } from "../engine/model/gpt2Config.ts";
import { hubFileSet } from "./hubFileSet.ts";
import { LoadProgress } from "./loadProgress.ts";
import { pickedFileSet, pickedSources, watchedFileSet } from "./pickedFileSet.ts";
import type {
  FromWorkerLoad,
  HubLoadSource,
  PickedFile,
  ToWorker,
  ToWorkerLoad,
} from "./protocol.ts";

/** The model loaded dictionaries are checked against. */
export interface ModelForDictionaries {
  config: Gpt2Config;
  label: string;
}

export interface LoadedWeightsDeps {
  post: (m: FromWorkerLoad, transfer?: Transferable[]) => void;
  model: () => Promise<ModelForDictionaries | undefined>;
  /** An item was removed (the engine stops using it if it is the model). */
  onUnload?: (loadId: string) => void;
}

/** A recognised model checkpoint, kept open so that it can be streamed onto the GPU. */
export interface LoadedModel {
  name: string;
  recognized: RecognizedModel;
  /** Aborts when the item is removed; its files can no longer be read then. */
  signal: AbortSignal;
}

interface Entry {
  readonly controller: AbortController;
  readonly name: string;
  /** A model checkpoint: its files stay open; their reads no longer report as this load's. */
  model?: RecognizedModel;
  /** As read from the files (maybe still needing its normalization scale). */
  read?: LoadedDictionary;
  /** Ready to run and to export. */
  ready?: LoadedDictionary;
  /** Reads the files again as the dictionary_learning class the user chose (needs-dict-class). */
  chooseClass?: (dictClass: DictClassChoice) => void;
}

const LOAD_TYPES = new Set<string>([
  "load-files",
  "load-hub",
  "cancel-load",
  "set-norm-scale",
  "set-dict-class",
  "unload",
  "export-loaded",
] satisfies ToWorkerLoad["type"][]);

export function isLoadMessage(m: ToWorker): m is ToWorkerLoad {
  return LOAD_TYPES.has(m.type);
}

const hubName = (s: HubLoadSource) => (s.path ? `${s.repo}/${s.path}` : s.repo);

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Dictionaries the user brought (dropped files, Hub repos), kept in worker memory by loadId for
 * the inspector. Every failure is reported as that load's error; none escapes to the worker.
 */
export class LoadedWeights {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly deps: LoadedWeightsDeps) {}

  /** The dictionary of a finished load, for views that read its weights. */
  dictionary(loadId: string): LoadedDictionary | undefined {
    return this.entries.get(loadId)?.ready;
  }

  /** The name an item was loaded under (untrusted: a file, folder or Hub path). */
  name(loadId: string): string | undefined {
    return this.entries.get(loadId)?.name;
  }

  /** The recognised checkpoint of a model item. */
  model(loadId: string): LoadedModel | undefined {
    const entry = this.entries.get(loadId);
    if (!entry?.model) return undefined;
    return { name: entry.name, recognized: entry.model, signal: entry.controller.signal };
  }

  /** Says again, for every dictionary read, whether it runs on the model now in use. */
  async recheckMismatches(): Promise<void> {
    for (const [loadId, entry] of [...this.entries]) {
      if (!entry.read) continue;
      const mismatch = await this.mismatch(entry.read.spec);
      this.say(loadId, entry, { type: "load-mismatch", loadId, mismatch });
    }
  }

  handle(m: ToWorkerLoad): void {
    switch (m.type) {
      case "load-files":
        if (m.files.length > 0 && m.files.every((f) => isZipName(f.path))) {
          void this.loadZips(m.loadId, m.name, m.files);
          break;
        }
        void this.load(m.loadId, m.name, (progress, signal) =>
          Promise.resolve(pickedFileSet(m.name, m.files, progress, signal)),
        );
        break;
      case "load-hub":
        void this.load(m.loadId, hubName(m.source), (progress, signal) =>
          hubFileSet(m.source, progress, signal),
        );
        break;
      case "cancel-load":
      case "unload":
        this.entries.get(m.loadId)?.controller.abort();
        this.entries.delete(m.loadId);
        this.deps.onUnload?.(m.loadId);
        break;
      case "set-norm-scale": {
        const entry = this.entries.get(m.loadId);
        if (entry?.read) this.finish(m.loadId, entry, m.scale);
        break;
      }
      case "set-dict-class":
        this.entries.get(m.loadId)?.chooseClass?.(m.dictClass);
        break;
      case "export-loaded":
        this.exportZip(m.loadId, m.fileName);
        break;
    }
  }

  private say(loadId: string, entry: Entry, m: FromWorkerLoad): void {
    if (this.entries.get(loadId) === entry && !entry.controller.signal.aborted) this.deps.post(m);
  }

  private async load(
    loadId: string,
    name: string,
    open: (progress: LoadProgress, signal: AbortSignal) => Promise<FileSet>,
  ): Promise<void> {
    const entry: Entry = { controller: new AbortController(), name };
    this.entries.get(loadId)?.controller.abort();
    this.entries.set(loadId, entry);
    const signal = entry.controller.signal;
    const progress = new LoadProgress((loaded, total, label) => {
      if (!entry.model)
        this.say(loadId, entry, { type: "load-progress", loadId, loaded, total, label });
    });
    try {
      await this.read(loadId, entry, await open(progress, signal), progress, {});
    } catch (err) {
      this.say(loadId, entry, { type: "load-error", loadId, message: messageOf(err) });
    }
  }

  /**
   * A zip of folders (a run's Download): says which folders it holds (load-split), then loads
   * each as an item of its own, read in place from the zip.
   */
  private async loadZips(loadId: string, name: string, files: readonly PickedFile[]) {
    const entry: Entry = { controller: new AbortController(), name };
    this.entries.get(loadId)?.controller.abort();
    this.entries.set(loadId, entry);
    try {
      const parts: { loadId: string; name: string; set: FileSet }[] = [];
      for (const src of pickedSources(files)) {
        const zipName = src.name.slice(src.name.lastIndexOf("/") + 1);
        for (const { set } of await zipFolders(src, zipName)) {
          parts.push({ loadId: `${loadId}.${parts.length + 1}`, name: set.name, set });
        }
      }
      if (this.entries.get(loadId) !== entry || entry.controller.signal.aborted) return;
      this.deps.post({
        type: "load-split",
        loadId,
        parts: parts.map((p) => ({ loadId: p.loadId, name: p.name })),
      });
      this.entries.delete(loadId);
      for (const p of parts) {
        void this.load(p.loadId, p.name, (progress, signal) =>
          Promise.resolve(watchedFileSet(p.set, progress, signal)),
        );
      }
    } catch (err) {
      this.say(loadId, entry, { type: "load-error", loadId, message: messageOf(err) });
    }
  }

  /** Recognises and reads the files; asks for the class where the files do not say it. */
  private async read(
    loadId: string,
    entry: Entry,
    set: FileSet,
    progress: LoadProgress,
    options: RecognizeOptions,
  ): Promise<void> {
    const signal = entry.controller.signal;
    let r;
    try {
      r = await recognize(set, options);
    } catch (err) {
      if (!(err instanceof NeedsDictClass)) throw err;
      entry.chooseClass = (dictClass) => {
        entry.chooseClass = undefined;
        this.read(loadId, entry, set, progress, { dictClass }).catch((e: unknown) =>
          this.say(loadId, entry, { type: "load-error", loadId, message: messageOf(e) }),
        );
      };
      const { message, choices } = err;
      this.say(loadId, entry, { type: "needs-dict-class", loadId, message, choices: [...choices] });
      return;
    }
    signal.throwIfAborted();
    const mismatch = r.kind === "dictionary" ? await this.mismatch(r.spec) : undefined;
    this.say(loadId, entry, {
      type: "recognized",
      loadId,
      kind: r.kind,
      description: describeRecognized(r),
      details: recognizedJson(r),
      notes: r.notes,
      mismatch,
    });
    if (r.kind === "model") {
      progress.finish();
      entry.model = r;
      this.say(loadId, entry, {
        type: "loaded",
        loadId,
        exportRefusal: "a model checkpoint is not a dictionary",
      });
      return;
    }
    progress.startWeights(r.bytes, "Reading the weights");
    entry.read = await r.load();
    signal.throwIfAborted();
    progress.finish();
    this.finish(loadId, entry, undefined);
  }

  private async mismatch(spec: DictionarySpec): Promise<string | undefined> {
    const model = await this.deps.model().catch(() => undefined);
    return model && dictionaryMismatch(spec, model.config, model.label);
  }

  /** Folds the normalization scale when one is needed, then says the dictionary is ready. */
  private finish(loadId: string, entry: Entry, scale: number | undefined): void {
    try {
      entry.ready = withNormScale(entry.read!, scale);
    } catch (err) {
      // NeedsNormScale, or a scale that is not a positive number: ask (again).
      this.say(loadId, entry, { type: "needs-norm-scale", loadId, message: messageOf(err) });
      return;
    }
    let exportRefusal: string | undefined;
    try {
      saelensForm(entry.ready);
    } catch (err) {
      exportRefusal = messageOf(err);
    }
    this.say(loadId, entry, { type: "loaded", loadId, exportRefusal });
  }

  private exportZip(loadId: string, fileName: string): void {
    const fail = (message: string) =>
      this.deps.post({ type: "loaded-export-error", loadId, message });
    const ready = this.entries.get(loadId)?.ready;
    if (!ready) return fail("this item holds no loaded dictionary");
    try {
      const d = saelensForm(ready);
      const folder = d.spec.hookName.replace(/[^\w.-]+/g, "_") || "dictionary";
      const zip = saelensZip([{ folder, spec: d.spec, params: d.params }]);
      const bytes = zip.buffer.slice(
        zip.byteOffset,
        zip.byteOffset + zip.byteLength,
      ) as ArrayBuffer;
      this.deps.post({ type: "loaded-export-ready", loadId, fileName, bytes }, [bytes]);
    } catch (err) {
      fail(messageOf(err));
    }
  }
}
