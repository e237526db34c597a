/**
 * Reading a set from its config.yaml: the SAELens folders it lists under `saelens_folders` (a set
 * written here), or else circuit-tracer's own `transcoders` list, in either of its layouts:
 * - current (decoderesearch/circuit-tracer @4bb8c0e): a list of paths, index = layer, files
 *   holding W_enc [d_sae, d_in] and W_dec [d_sae, d_out];
 * - before (safety-research/circuit-tracer @d797c82): entries {id, layer, filepath}, files
 *   holding W_dec [d_out, d_sae] (its load_relu_transcoder transposes both matrices).
 * Non-square matrices are oriented by their shapes; the layout decides a square one.
 */
import type { Activation, DictionarySpec } from "../dictionary/spec.ts";
import { readText, type FileSet } from "../formats/fileSet.ts";
import { FormatError } from "../formats/formatError.ts";
import { readOriented, readVector, vectorLength } from "../formats/recognize/matrices.ts";
import { openSafetensors } from "../formats/safetensors.ts";
import { safetensorsStore } from "../formats/tensorStore.ts";
import { MLP_INPUT_SITE } from "../model/mlpInputSite.ts";
import { THRESHOLD_TENSOR } from "./setFilesCircuitTracer.ts";
import { dirName, folderPaths, resolveSetPath, subSet } from "./setFilesItems.ts";
import { parseSetYaml, type YamlValue } from "./setFilesYaml.ts";
import type { SetTranscoder } from "./transcoderSet.ts";

/** What a config lists: SAELens folders to recognise, or circuit-tracer files read here. */
export type ConfigEntries =
  | { kind: "folders"; folders: { layer: number; set: FileSet }[] }
  | { kind: "files"; transcoders: SetTranscoder[] };

type Config = Record<string, YamlValue>;

/** The config.yaml files of `set` that describe a transcoder set, shallowest first. */
export async function findSetConfigs(set: FileSet): Promise<{ path: string; config: Config }[]> {
  const out = [];
  const paths = [...set.files.keys()].filter((p) => /(^|\/)[^/]*\.ya?ml$/i.test(p));
  paths.sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
  for (const path of paths) {
    const src = set.files.get(path)!;
    const config = parseSetYaml(await readText(src), src.name);
    if ("transcoders" in config || "saelens_folders" in config) out.push({ path, config });
  }
  return out;
}

const layerNumber = (v: YamlValue | undefined, file: string, field: string): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new FormatError(file, `${field}: expected a layer number, found ${JSON.stringify(v)}`);
  }
  return v;
};

export async function readSetConfig(
  set: FileSet,
  path: string,
  config: Config,
): Promise<ConfigEntries> {
  const file = set.files.get(path)!.name;
  const dir = dirName(path);
  const folders = config.saelens_folders;
  if (Array.isArray(folders)) {
    const found = folders.map((entry, i) => {
      const e = (typeof entry === "object" && entry !== null ? entry : {}) as Config;
      const folder = e.folder;
      if (typeof folder !== "string") {
        throw new FormatError(file, `saelens_folders[${i}]: expected {layer, folder}`);
      }
      const layer = layerNumber(e.layer, file, `saelens_folders[${i}].layer`);
      const paths = folderPaths(set, dir, folder);
      return { layer, set: subSet(set, `${set.name}/${folder.replace(/^(\.\.\/)+/, "")}`, paths) };
    });
    if (found.every((f) => f.set.files.size > 0)) return { kind: "folders", folders: found };
    if (!("transcoders" in config)) {
      const missing = found.find((f) => f.set.files.size === 0)!;
      throw new FormatError(
        file,
        `lists the SAELens folder of layer ${missing.layer}, which is not among the files given; give the set's whole folder`,
      );
    }
  }
  return { kind: "files", transcoders: await readCircuitTracerEntries(set, dir, file, config) };
}

function hookOf(config: Config, key: string, file: string, allowed: readonly string[]): string {
  const hook = config[key];
  if (typeof hook !== "string" || !allowed.includes(hook)) {
    throw new FormatError(
      file,
      `${key}: expected ${allowed.map((a) => JSON.stringify(a)).join(" or ")} (a transcoder set reads each MLP's input and writes its output), found ${JSON.stringify(hook)}`,
    );
  }
  return hook;
}

async function readCircuitTracerEntries(
  set: FileSet,
  dir: string,
  file: string,
  config: Config,
): Promise<SetTranscoder[]> {
  const list = config.transcoders;
  if (!Array.isArray(list) || list.length === 0) {
    throw new FormatError(file, "transcoders: expected a list of the per-layer files");
  }
  const inputHook = hookOf(config, "feature_input_hook", file, [
    "ln2.hook_normalized",
    MLP_INPUT_SITE,
  ]);
  hookOf(config, "feature_output_hook", file, ["hook_mlp_out"]);
  const activation = activationOf(config, file);
  const modelName = typeof config.model_name === "string" ? config.model_name : "unknown";
  const out: SetTranscoder[] = [];
  for (const [i, entry] of list.entries()) {
    const old = typeof entry === "object" && entry !== null && !Array.isArray(entry);
    const filepath = old ? (entry as Config).filepath : entry;
    if (typeof filepath !== "string") {
      throw new FormatError(
        file,
        `transcoders[${i}]: expected a file path, found ${JSON.stringify(entry)}`,
      );
    }
    const layer = old ? layerNumber((entry as Config).layer, file, `transcoders[${i}].layer`) : i;
    const path = resolveSetPath(set, dir, filepath);
    if (path === undefined) {
      throw new FormatError(
        file,
        `transcoders[${i}] is ${JSON.stringify(filepath)}, which is not among the files given; give the folder that holds the layer files`,
      );
    }
    const spec: Omit<DictionarySpec, "dIn" | "dSae" | "dOut"> = {
      kind: "transcoder",
      applyBDecToInput: false,
      hookName: `blocks.${layer}.${inputHook}`,
      hookNameOut: `blocks.${layer}.hook_mlp_out`,
      modelName,
      normalizeActivations: "none",
      ...(activation ? { activation } : {}),
    };
    out.push(await readLayerFile(set, path, spec, old ? "transposed" : "as-is"));
  }
  return out;
}

function activationOf(config: Config, file: string): Activation | undefined {
  const name = config.activation;
  if (name === undefined || name === null) return undefined;
  if (name === "relu") return { kind: "relu" };
  if (name === "topk") {
    const k = config.k;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1) {
      throw new FormatError(
        file,
        `k: activation topk needs a whole k ≥ 1, found ${JSON.stringify(k)}`,
      );
    }
    // circuit-tracer's TopK keeps the k largest pre-activations as they are, negative ones too.
    return { kind: "topk", k, relu: false };
  }
  throw new FormatError(
    file,
    `activation: expected relu, topk or none (JumpReLU), found ${JSON.stringify(name)}`,
  );
}

async function readLayerFile(
  set: FileSet,
  path: string,
  base: Omit<DictionarySpec, "dIn" | "dSae" | "dOut">,
  squareDecoder: "as-is" | "transposed",
): Promise<SetTranscoder> {
  const src = set.files.get(path)!;
  const store = safetensorsStore(await openSafetensors(src));
  const dSae = vectorLength(store, "b_enc");
  const dOut = vectorLength(store, "b_dec");
  const enc = store.tensors.get("W_enc")?.shape;
  if (dSae === undefined || dOut === undefined || enc?.length !== 2) {
    throw new FormatError(
      src.name,
      "expected a circuit-tracer transcoder: b_enc [d_sae], b_dec [d_out] and a 2-d W_enc",
    );
  }
  const dIn = enc[0] === dSae ? enc[1]! : enc[0]!;
  const jump = store.tensors.has(THRESHOLD_TENSOR);
  if (jump && base.activation) {
    throw new FormatError(
      src.name,
      `holds ${THRESHOLD_TENSOR} (JumpReLU) but the config says activation ${base.activation.kind}`,
    );
  }
  const skip = store.tensors.has("W_skip");
  const spec: DictionarySpec = {
    ...base,
    dIn,
    dSae,
    dOut,
    ...(jump ? { activation: { kind: "jumprelu", relu: false } } : {}),
    ...(skip ? { skip: true } : {}),
  };
  const params = {
    wEnc: await readOriented(store, "W_enc", dIn, dSae, "[d_in, d_sae]", "transposed"),
    bEnc: await readVector(store, "b_enc", dSae, "[d_sae]"),
    wDec: await readOriented(store, "W_dec", dSae, dOut, "[d_sae, d_out]", squareDecoder),
    bDec: await readVector(store, "b_dec", dOut, "[d_out]"),
    ...(jump ? { threshold: await readVector(store, THRESHOLD_TENSOR, dSae, "[d_sae]") } : {}),
    ...(skip
      ? { wSkip: await readOriented(store, "W_skip", dOut, dIn, "[d_out, d_in]", "as-is") }
      : {}),
  };
  return { spec, params, source: src.name };
}
