/**
 * A run's "Download set": its transcoders (one per layer, an every-layer run) as a transcoder set
 * zip (engine/circuits/setFiles.ts): a SAELens folder per layer, with the run's metrics and
 * evaluation as its Download has them, and circuit-tracer/ (config.yaml and layer files).
 */
import { transcoderSetZip } from "../engine/circuits/setFiles.ts";
import type { SetTranscoder } from "../engine/circuits/transcoderSet.ts";
import type { StoredWeights } from "../storage/runDb.ts";
import { runFolderName } from "../storage/runNames.ts";
import type { RunRecord } from "../storage/runRecord.ts";
import { runFiles } from "./runExportFiles.ts";

/** Whether a run trained a transcoder set: a transcoder at each of its layers, no sweep. */
export function isTranscoderSetRun(run: Pick<RunRecord, "config">): boolean {
  const { layers, sweep, dictionaries } = run.config;
  return (
    layers !== undefined && sweep === undefined && dictionaries.some((d) => d.kind === "transcoder")
  );
}

export function transcoderSetDownload(
  weights: StoredWeights,
  run: RunRecord | undefined,
): Uint8Array {
  const transcoders = weights.dictionaries.filter((d) => d.spec.kind === "transcoder");
  const nLayer = Math.max(...transcoders.map((d) => layerOf(d.spec.hookNameOut))) + 1;
  const layers: (SetTranscoder | undefined)[] = Array.from({ length: nLayer }, () => undefined);
  const byLayer = new Map<number, (typeof transcoders)[number]>();
  for (const d of transcoders) {
    const layer = layerOf(d.spec.hookNameOut);
    if (byLayer.has(layer))
      throw new Error(`this run has two transcoders at layer ${layer}: not a set`);
    byLayer.set(layer, d);
    layers[layer] = { spec: d.spec, params: d.params, source: d.id };
  }
  if (byLayer.size === 0) throw new Error("this run has no transcoders");
  const id = (layer: number) => byLayer.get(layer)!.id;
  return transcoderSetZip(
    { modelName: transcoders[0]!.spec.modelName, layers },
    {
      folder: (layer) => (run ? runFolderName(run, id(layer)) : id(layer)),
      extras: (layer) => ({
        sparsity: byLayer.get(layer)!.sparsity,
        ...(run ? runFiles(run, id(layer)) : {}),
      }),
    },
  );
}

function layerOf(hook: string): number {
  const m = /^blocks\.(\d+)\./.exec(hook);
  if (!m) throw new Error(`a transcoder writes ${hook}, not a layer's hook`);
  return Number(m[1]);
}
