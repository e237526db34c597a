import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { writeTranscoderSet } from "../engine/circuits/setFiles.ts";
import {
  CIRCUIT_TRACER_DIR,
  SET_CONFIG_FILENAME,
} from "../engine/circuits/setFilesCircuitTracer.ts";
import type { SetTranscoder, TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import type { SweepMember } from "../engine/stream/sweep.ts";

export { CIRCUIT_TRACER_DIR };

/** The transcoders of an every-layer run (`--layers` without a sweep) as a set, or undefined. */
export function runTranscoderSet(
  dictionaries: readonly { member: SweepMember; spec: DictionarySpec; params: DictionaryParams }[],
  layerSet: boolean,
  nLayer: number,
  out: string,
): { set: TranscoderSet; folders: string[] } | undefined {
  const transcoders = dictionaries.filter((d) => d.member.kind === "transcoder");
  if (!layerSet || transcoders.length === 0) return undefined;
  const layers: (SetTranscoder | undefined)[] = Array.from({ length: nLayer }, () => undefined);
  const folders: string[] = [];
  for (const d of transcoders) {
    layers[d.member.layer] = { spec: d.spec, params: d.params, source: join(out, d.member.id) };
    folders[d.member.layer] = d.member.id;
  }
  return { set: { modelName: transcoders[0]!.spec.modelName, layers }, folders };
}

/**
 * DIR/circuit-tracer/: the set's manifest config.yaml (circuit-tracer's keys, and each layer's
 * SAELens folder DIR/<id>/ under saelens_folders) and, when circuit-tracer can load the set,
 * layer_L.safetensors named by absolute paths. Returns the line that says what was written
 * (undefined: not an every-layer run).
 */
export async function writeCircuitTracerSet(
  out: string,
  dictionaries: { member: SweepMember; spec: DictionarySpec; params: DictionaryParams }[],
  layerSet: boolean,
  nLayer: number,
): Promise<string | undefined> {
  const run = runTranscoderSet(dictionaries, layerSet, nLayer, out);
  if (!run) return undefined;
  const dir = join(out, CIRCUIT_TRACER_DIR);
  const { files, circuitTracerRefusal } = writeTranscoderSet(run.set, {
    manifestOnly: true,
    folder: (layer) => run.folders[layer]!,
    layerFilePath: (name) => resolve(dir, name),
  });
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), bytes);
  }
  const config = `${dir}/${SET_CONFIG_FILENAME}`;
  const layerFiles = Object.keys(files).length - 1;
  return circuitTracerRefusal === undefined
    ? `wrote the transcoder set's ${config} and ${layerFiles} layer files (circuit-tracer's load_transcoders)`
    : `wrote the transcoder set's ${config} (its SAELens folders); no circuit-tracer layer files: ${circuitTracerRefusal}`;
}
