/**
 * A transcoder set on disk or in a zip: one SAELens folder per layer (`transcoder.L3/`, or the
 * run's folder names) and circuit-tracer/: its config.yaml (the manifest: circuit-tracer's keys,
 * plus `saelens_folders`) and, when circuit-tracer can load the set, its layer_L.safetensors.
 * The command line writes it into a run's DIR; the page zips the same paths.
 */
import { zipSync } from "fflate";
import { saelensForm } from "../formats/recognize/finishLoad.ts";
import { saelensFolderFiles, type DictionaryFiles } from "../formats/saelensZip.ts";
import { circuitTracerFiles } from "./setFilesCircuitTracer.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

export { readTranscoderSet, type SetModel } from "./setFilesRead.ts";

export const defaultSetFolder = (layer: number): string => `transcoder.L${layer}`;

export interface WriteSetOptions {
  /** Each layer's SAELens folder name (default transcoder.L<layer>). */
  folder?: (layer: number) => string;
  /** What else each folder holds (metrics.jsonl, eval.json, sparsity, seed). */
  extras?: (layer: number) => Omit<DictionaryFiles, "folder" | "spec" | "params">;
  /**
   * How config.yaml names a layer file for circuit-tracer, which opens it as written: on disk an
   * absolute path; in a zip (default) the name, relative to the folder circuit-tracer runs in.
   */
  layerFilePath?: (fileName: string) => string;
  /** Write only the circuit-tracer/ files (the SAELens folders are already there). */
  manifestOnly?: boolean;
}

export interface SetFiles {
  files: Record<string, Uint8Array>;
  /** Why circuit-tracer cannot load the set, when it cannot (the SAELens folders can). */
  circuitTracerRefusal?: string;
}

/** The set's files by path inside the set. */
export function writeTranscoderSet(set: TranscoderSet, options: WriteSetOptions = {}): SetFiles {
  const folder = options.folder ?? defaultSetFolder;
  const files: Record<string, Uint8Array> = {};
  const folders = set.layers.map((t, layer) => (t ? folder(layer) : undefined));
  if (!options.manifestOnly) {
    set.layers.forEach((t, layer) => {
      if (!t) return;
      const extras = options.extras?.(layer) ?? {};
      let saved;
      try {
        saved = saelensForm(t);
      } catch (e) {
        throw new Error(`${t.source}: ${(e as Error).message}`, { cause: e });
      }
      Object.assign(files, saelensFolderFiles({ ...extras, folder: folder(layer), ...saved }));
    });
  }
  const ct = circuitTracerFiles(set, folders, options.layerFilePath ?? ((name) => name));
  Object.assign(files, ct.files);
  return ct.refusal === undefined ? { files } : { files, circuitTracerRefusal: ct.refusal };
}

/** The set as one zip (the page's "Download set"). */
export function transcoderSetZip(set: TranscoderSet, options: WriteSetOptions = {}): Uint8Array {
  // Safetensors of random floats do not compress; store them.
  return zipSync(writeTranscoderSet(set, options).files, { level: 0 });
}
