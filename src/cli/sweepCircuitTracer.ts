import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  activationOf,
  type DictionaryParams,
  type DictionarySpec,
} from "../engine/dictionary/spec.ts";
import { writeSafetensors } from "../engine/formats/safetensors.ts";
import type { SweepMember } from "../engine/stream/sweep.ts";

/** The folder, under DIR, of a transcoder set as circuit-tracer's load_transcoder_set reads it. */
export const CIRCUIT_TRACER_DIR = "circuit-tracer";

function transposed(a: Float32Array, rows: number, cols: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/**
 * One layer's file as circuit-tracer's load_relu_transcoder reads it (safety-research/
 * circuit-tracer @d797c82, transcoder/single_layer_transcoder.py): W_enc [d_sae, d_in] and W_dec
 * [d_out, d_sae] (it transposes both), b_enc, b_dec, and always W_skip [d_out, d_in] (applied as
 * x @ W_skipᵀ; it reads param_dict["W_skip"], so a transcoder without one gets zeros).
 */
export function circuitTracerLayerFile(
  spec: DictionarySpec,
  params: DictionaryParams,
): Uint8Array<ArrayBuffer> {
  const { dIn, dSae, dOut } = spec;
  return writeSafetensors([
    { name: "W_enc", dtype: "F32", shape: [dSae, dIn], data: transposed(params.wEnc, dIn, dSae) },
    { name: "W_dec", dtype: "F32", shape: [dOut, dSae], data: transposed(params.wDec, dSae, dOut) },
    { name: "b_enc", dtype: "F32", shape: [dSae], data: params.bEnc },
    { name: "b_dec", dtype: "F32", shape: [dOut], data: params.bDec },
    {
      name: "W_skip",
      dtype: "F32",
      shape: [dOut, dIn],
      data: params.wSkip ?? new Float32Array(dOut * dIn),
    },
  ]);
}

/** circuit-tracer's config YAML: the model, the two hooks, one entry per layer. */
export function circuitTracerConfig(
  modelName: string,
  layers: { id: string; layer: number; filepath: string }[],
): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    `# A transcoder set for circuit-tracer's load_transcoder_set(<this file>).`,
    `# Trained on TransformerLens-processed weights (fold_ln, centred writing weights).`,
    `model_name: ${q(modelName)}`,
    `feature_input_hook: "ln2.hook_normalized"`,
    `feature_output_hook: "hook_mlp_out"`,
    `transcoders:`,
    ...layers.flatMap((l) => [
      `  - id: ${q(l.id)}`,
      `    layer: ${l.layer}`,
      `    filepath: ${q(l.filepath)}`,
    ]),
    "",
  ].join("\n");
}

/**
 * DIR/circuit-tracer/: config.yaml and layer_L.safetensors for a transcoder at every layer
 * 0..N (`layerSet`: --layers without a sweep), when they are ReLU transcoders (the only activation
 * load_relu_transcoder builds). Returns the line that says what was written, or why not (undefined: not a layer set).
 */
export async function writeCircuitTracerSet(
  out: string,
  dictionaries: { member: SweepMember; spec: DictionarySpec; params: DictionaryParams }[],
  layerSet: boolean,
  nLayer: number,
): Promise<string | undefined> {
  const transcoders = dictionaries.filter((d) => d.member.kind === "transcoder");
  const layers = transcoders.map((d) => d.member.layer);
  if (!layerSet || transcoders.length === 0) return undefined;
  const why = (reason: string) => `no ${CIRCUIT_TRACER_DIR}/ transcoder set: ${reason}`;
  if (!layers.every((l, i) => l === i)) {
    return why(
      `circuit-tracer needs a transcoder at every layer 0..max (this run has ${layers.join(",")}; ` +
        `--layers all gives 0..${nLayer - 1})`,
    );
  }
  const act = activationOf(transcoders[0]!.spec).kind;
  if (act !== "relu") {
    return why(`circuit-tracer's load_relu_transcoder builds ReLU transcoders, these are ${act}`);
  }
  const dir = join(out, CIRCUIT_TRACER_DIR);
  await mkdir(dir, { recursive: true });
  const entries = [];
  for (const d of transcoders) {
    const file = `layer_${d.member.layer}.safetensors`;
    await writeFile(join(dir, file), circuitTracerLayerFile(d.spec, d.params));
    entries.push({ id: d.member.id, layer: d.member.layer, filepath: resolve(dir, file) });
  }
  const config = circuitTracerConfig(transcoders[0]!.spec.modelName ?? "unknown", entries);
  await writeFile(join(dir, "config.yaml"), config);
  return `wrote ${dir}/config.yaml and ${entries.length} layer files (circuit-tracer's load_transcoder_set)`;
}
