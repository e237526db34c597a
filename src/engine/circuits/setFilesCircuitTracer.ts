/**
 * A transcoder set as circuit-tracer loads it (decoderesearch/circuit-tracer @4bb8c0e):
 * `utils/hf_utils.py` load_transcoders(yaml.safe_load(config.yaml)) reads `model_kind:
 * transcoder_set`, `scan`, `feature_input_hook`, `feature_output_hook`, `activation` (relu, topk
 * with `k`, or absent: JumpReLU when a file holds `activation_function.threshold`) and
 * `transcoders`, a list of paths whose index is the layer; `transcoder/single_layer_transcoder.py`
 * load_transcoder reads each file as SingleLayerTranscoder holds it: W_enc [d_sae, d_in]
 * (F.linear), W_dec [d_sae, d_out] (acts @ W_dec), b_enc, b_dec, optional W_skip [d_out, d_in]
 * (x @ W_skipᵀ) and optional activation_function.threshold. It needs a transcoder at every layer
 * 0..max, and one activation for all of them.
 */
import { activationOf, type DictionaryParams, type DictionarySpec } from "../dictionary/spec.ts";
import { transpose } from "../model/gpt2Weights.ts";
import { writeSafetensors } from "../formats/safetensorsWrite.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

/** The folder, inside a set, of circuit-tracer's config.yaml and layer files. */
export const CIRCUIT_TRACER_DIR = "circuit-tracer";
export const SET_CONFIG_FILENAME = "config.yaml";
export const THRESHOLD_TENSOR = "activation_function.threshold";

export const layerFileName = (layer: number): string => `layer_${layer}.safetensors`;

/** One layer's file, as load_transcoder reads it. */
export function circuitTracerLayerFile(
  spec: DictionarySpec,
  params: DictionaryParams,
): Uint8Array<ArrayBuffer> {
  const { dIn, dSae, dOut } = spec;
  const wEnc = transpose(params.wEnc, dIn, dSae) as Float32Array<ArrayBuffer>;
  return writeSafetensors([
    { name: "W_enc", dtype: "F32", shape: [dSae, dIn], data: wEnc },
    { name: "W_dec", dtype: "F32", shape: [dSae, dOut], data: params.wDec },
    { name: "b_enc", dtype: "F32", shape: [dSae], data: params.bEnc },
    { name: "b_dec", dtype: "F32", shape: [dOut], data: params.bDec },
    ...(params.wSkip
      ? [{ name: "W_skip", dtype: "F32" as const, shape: [dOut, dIn], data: params.wSkip }]
      : []),
    ...(params.threshold
      ? [{ name: THRESHOLD_TENSOR, dtype: "F32" as const, shape: [dSae], data: params.threshold }]
      : []),
  ]);
}

/** The config's `activation` (and `k`) lines for the set, or why circuit-tracer cannot load it. */
export function circuitTracerActivation(
  transcoders: readonly SetTranscoder[],
): { lines: string[]; notes: string[] } | { refusal: string } {
  const kinds = transcoders.map((t) => activationOf(t.spec));
  const names = [...new Set(kinds.map((a) => (a.kind === "topk" ? `topk k=${a.k}` : a.kind)))];
  if (names.length > 1) {
    return {
      refusal: `circuit-tracer takes one activation for a set, these are ${names.join(", ")}`,
    };
  }
  const normalized = transcoders.find((t) => t.spec.normalizeActivations !== "none");
  if (normalized) {
    return {
      refusal: `${normalized.source} normalizes its input (${normalized.spec.normalizeActivations}), which circuit-tracer does not`,
    };
  }
  const act = kinds[0]!;
  if (act.kind === "relu") return { lines: ['activation: "relu"'], notes: [] };
  if (act.kind === "topk") {
    return {
      lines: ['activation: "topk"', `k: ${act.k}`],
      notes:
        act.relu === false
          ? []
          : [
              "circuit-tracer's TopK keeps the top k without a ReLU: the same latents unless a kept pre-activation is negative",
            ],
    };
  }
  return {
    lines: [],
    notes: act.relu
      ? ["circuit-tracer's JumpReLU has no ReLU: the same latents unless a threshold is negative"]
      : [],
  };
}

export interface CircuitTracerFiles {
  /** Paths inside the set ("circuit-tracer/config.yaml", ...) and their bytes. */
  files: Record<string, Uint8Array>;
  /** Why circuit-tracer cannot load this set (config.yaml then lists the SAELens folders only). */
  refusal?: string;
}

/**
 * config.yaml and layer_L.safetensors under circuit-tracer/. The config also lists, under
 * `saelens_folders` (a key circuit-tracer ignores), each layer's SAELens folder in the set, by a
 * path relative to the config, so that readTranscoderSet reads the exact SAELens form.
 * `layerFilePath` is what the config says for a layer file: circuit-tracer opens it as written.
 */
export function circuitTracerFiles(
  set: TranscoderSet,
  saelensFolders: readonly (string | undefined)[],
  layerFilePath: (fileName: string) => string,
): CircuitTracerFiles {
  const present = set.layers.flatMap((t, layer) => (t ? [{ t, layer }] : []));
  const q = (s: string) => JSON.stringify(s);
  const head = [
    "# A transcoder set. circuit-tracer reads it with",
    "#   circuit_tracer.utils.hf_utils.load_transcoders(yaml.safe_load(open(<this file>)))",
    "# (decoderesearch/circuit-tracer); saelens_folders are the same transcoders as SAELens folders.",
    "# Trained on TransformerLens-processed weights (fold_ln, centred writing weights): load the",
    "# model with the same processing to splice them in exactly.",
  ];
  const maxLayer = present.length === 0 ? -1 : present[present.length - 1]!.layer;
  const gap = present.length !== maxLayer + 1;
  const activation = circuitTracerActivation(present.map((p) => p.t));
  const refusal = gap
    ? `circuit-tracer needs a transcoder at every layer 0..max (this set has ${present.map((p) => p.layer).join(",")})`
    : "refusal" in activation
      ? activation.refusal
      : undefined;
  const folders = present.flatMap(({ layer }) => {
    const folder = saelensFolders[layer];
    return folder === undefined ? [] : [`  - layer: ${layer}`, `    folder: ${q(`../${folder}`)}`];
  });
  const files: Record<string, Uint8Array> = {};
  const lines = [...head];
  if (refusal !== undefined) lines.push(`# Not loadable by circuit-tracer: ${refusal}.`);
  else {
    for (const note of "notes" in activation ? activation.notes : [])
      lines.push(`# Note: ${note}.`);
    lines.push('model_kind: "transcoder_set"');
  }
  lines.push(
    `model_name: ${q(set.modelName)}`,
    `scan: ${q(set.modelName)}`,
    'feature_input_hook: "ln2.hook_normalized"',
    'feature_output_hook: "hook_mlp_out"',
  );
  if (refusal === undefined && "lines" in activation) {
    lines.push(...activation.lines, "transcoders:");
    for (const { t, layer } of present) {
      const name = layerFileName(layer);
      files[`${CIRCUIT_TRACER_DIR}/${name}`] = circuitTracerLayerFile(t.spec, t.params);
      lines.push(`  - ${q(layerFilePath(name))}`);
    }
  }
  if (folders.length > 0) lines.push("saelens_folders:", ...folders);
  files[`${CIRCUIT_TRACER_DIR}/${SET_CONFIG_FILENAME}`] = new TextEncoder().encode(
    lines.join("\n") + "\n",
  );
  return refusal === undefined ? { files } : { files, refusal };
}
