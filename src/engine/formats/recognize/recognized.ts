/** What a dropped file or folder was recognised as, before its weights are read. */
import type { DictionaryParams, DictionarySpec } from "../../dictionary/spec.ts";
import type { Gpt2Config } from "../../model/gpt2Config.ts";
import type { Gpt2Weights } from "../../model/gpt2Weights.ts";
import type { SafetensorsFile } from "../safetensors.ts";

export interface LoadedDictionary {
  spec: DictionarySpec;
  params: DictionaryParams;
}

export interface RecognizedDictionary {
  kind: "dictionary";
  /** e.g. "SAELens 6", "sparsify", "Gemma Scope 2", "transcoder_circuits". */
  format: string;
  /** The published architecture, in that format's own words (e.g. "gated", "topk"). */
  architecture: string;
  /** The one-form spec the weights load into (activation, sites, widths). */
  spec: DictionarySpec;
  /** Stored dtype(s) of the weights, e.g. "F32" or "BF16". */
  dtype: string;
  /** Bytes of the weight file(s). */
  bytes: number;
  /** Facts a user should know: converted parameterisations, guessed sites. */
  notes: string[];
  /** Reads the tensors one at a time and converts them exactly. */
  load(): Promise<LoadedDictionary>;
}

export interface RecognizedModel {
  kind: "model";
  format: string;
  config: Gpt2Config;
  dtype: string;
  bytes: number;
  notes: string[];
  /** The opened weights file, for a reader that streams it tensor by tensor (loadGpt2ToGpu). */
  file: SafetensorsFile;
  /** The config.json it was read with, named in errors about shapes. */
  configName: string;
  /** Unprocessed weights, as the checkpoint holds them (Conv1D orientation). */
  load(): Promise<Gpt2Weights>;
}

export type Recognized = RecognizedDictionary | RecognizedModel;

function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** One line: format, architecture, widths, sites, dtype, size. */
export function describeRecognized(r: Recognized): string {
  if (r.kind === "model") {
    const c = r.config;
    return (
      `${r.format} · GPT-2 model · ${c.nLayer} layers, d_model ${c.dModel}, ` +
      `${c.nHead} heads, vocabulary ${c.vocabSize}, context ${c.nCtx} · ${r.dtype} · ${megabytes(r.bytes)}`
    );
  }
  const s = r.spec;
  const sites = s.kind === "sae" ? s.hookName : `${s.hookName} → ${s.hookNameOut}`;
  const kind = s.kind === "sae" ? "SAE" : "transcoder";
  // SAELens's transcoder architectures already say so ("jumprelu_transcoder").
  const what = r.architecture.includes(kind) ? r.architecture : `${r.architecture} ${kind}`;
  return (
    `${r.format} · ${what} · d_in ${s.dIn}, d_sae ${s.dSae}, d_out ${s.dOut} · ` +
    `${sites} · ${r.dtype} · ${megabytes(r.bytes)}`
  );
}

/** JSON for `npm run convert -- --json` and tests. */
export function recognizedJson(r: Recognized): Record<string, unknown> {
  if (r.kind === "model") {
    return {
      kind: "model",
      format: r.format,
      config: r.config,
      dtype: r.dtype,
      bytes: r.bytes,
      notes: r.notes,
    };
  }
  const s = r.spec;
  return {
    kind: "dictionary",
    format: r.format,
    architecture: r.architecture,
    dictionary: s.kind,
    activation: s.activation ?? { kind: "relu" },
    skip: s.skip ?? false,
    d_in: s.dIn,
    d_sae: s.dSae,
    d_out: s.dOut,
    hook_name: s.hookName,
    hook_name_out: s.hookNameOut,
    model_name: s.modelName,
    normalize_activations: s.normalizeActivations,
    dtype: r.dtype,
    bytes: r.bytes,
    notes: r.notes,
  };
}
