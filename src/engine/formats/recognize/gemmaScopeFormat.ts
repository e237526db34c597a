/**
 * Gemma Scope 2: config.json + params.safetensors with lowercase w_enc [d_in, d_sae],
 * w_dec [d_sae, d_out], b_enc, b_dec, threshold and an optional affine_skip_connection
 * [d_out, d_in] applied as x @ Wᵀ (SAELens's reading; circuit-tracer's differs and is
 * unverified). JumpReLU with ReLU, input not shifted by b_dec.
 */
import type { DictionaryParams, DictionarySpec } from "../../dictionary/spec.ts";
import { FormatError } from "../formatError.ts";
import { findByName, readJsonObject, siblingPath, type FileSet } from "../fileSet.ts";
import { openSafetensors } from "../safetensors.ts";
import { npzStore, safetensorsStore, type TensorStore } from "../tensorStore.ts";
import { openNpz } from "../npz.ts";
import { readOriented, readVector, storeDtypes, vectorLength } from "./matrices.ts";
import type { LoadedDictionary, RecognizedDictionary } from "./recognized.ts";

/** Gemma Scope's tensor names, lowercase (Gemma Scope 2) or SAELens-cased (Gemma Scope 1). */
export interface JumpReluNames {
  wEnc: string;
  bEnc: string;
  wDec: string;
  bDec: string;
  threshold: string;
  wSkip?: string;
}

export function jumpReluDims(store: TensorStore, names: JumpReluNames) {
  const dSae = vectorLength(store, names.bEnc);
  const dOut = vectorLength(store, names.bDec);
  const wEnc = store.tensors.get(names.wEnc);
  if (dSae === undefined || dOut === undefined || !wEnc || wEnc.shape.length !== 2) {
    throw new FormatError(
      store.file,
      `expected ${names.wEnc} [d_in, d_sae], ${names.bEnc} [d_sae], ${names.wDec} [d_sae, d_out], ${names.bDec} [d_out], ${names.threshold} [d_sae]`,
    );
  }
  const dIn = wEnc.shape[1] === dSae ? wEnc.shape[0]! : wEnc.shape[1]!;
  return { dIn, dSae, dOut };
}

/** Gemma Scope stores every matrix in SAELens orientation. */
export async function readJumpRelu(
  store: TensorStore,
  names: JumpReluNames,
  spec: DictionarySpec,
): Promise<LoadedDictionary> {
  const { dIn, dSae, dOut } = spec;
  return {
    spec,
    params: {
      wEnc: await readOriented(store, names.wEnc, dIn, dSae, "[d_in, d_sae]", "as-is"),
      bEnc: await readVector(store, names.bEnc, dSae, "[d_sae]"),
      wDec: await readOriented(store, names.wDec, dSae, dOut, "[d_sae, d_out]", "as-is"),
      bDec: await readVector(store, names.bDec, dOut, "[d_out]"),
      threshold: await readVector(store, names.threshold, dSae, "[d_sae]"),
      ...(names.wSkip && spec.skip
        ? { wSkip: await readOriented(store, names.wSkip, dOut, dIn, "[d_out, d_in]", "as-is") }
        : {}),
    },
  };
}

/**
 * Where a Gemma Scope 1 SAE reads, from its path as SAELens's loader names it from the release
 * (`gemma-scope-2b-pt-res`, `-mlp`, `-att`) and folder: res → blocks.L.hook_resid_post,
 * mlp → blocks.L.hook_mlp_out, att → blocks.L.attn.hook_z (heads concatenated), an `embedding`
 * folder → hook_embed. A path that names none of them is guessed to be a residual SAE.
 */
export function gemmaScope1Site(
  where: string,
  layer: string | undefined,
): { hookName: string; note: string } {
  if (/(?:^|\/)embedding(?:\/|$)/.test(where)) {
    return {
      hookName: "hook_embed",
      note:
        "an SAE on the embeddings (hook_embed): W_enc ÷ √d_in and W_dec × √d_in, as SAELens's " +
        "loader rescales it (Gemma scales its embeddings by √d_model, the SAE was trained without it)",
    };
  }
  const release = /-(res|mlp|att)(?:-canonical)?(?:\/|$)/.exec(where)?.[1];
  const site = { res: "hook_resid_post", mlp: "hook_mlp_out", att: "attn.hook_z" }[
    release ?? "res"
  ]!;
  const hookName = layer === undefined ? "unknown" : `blocks.${layer}.${site}`;
  return {
    hookName,
    note: release
      ? `an SAE on ${hookName}, from the release name (-${release}), as SAELens names it`
      : `an SAE; the path names no release (-res, -mlp, -att): ${hookName} is a guess`,
  };
}

/**
 * Gemma Scope 1: params.npz with W_enc [d_in, d_sae], W_dec, b_enc, b_dec, threshold (SAELens's
 * loader also maps a lowercase w_ prefix). Transcoders are told apart by their folder name.
 */
export async function recognizeGemmaScope1(
  set: FileSet,
): Promise<RecognizedDictionary | undefined> {
  for (const path of findByName(set, "params.npz")) {
    const src = set.files.get(path)!;
    const store = npzStore(await openNpz(src));
    const lower = store.tensors.has("w_enc");
    const names: JumpReluNames = {
      wEnc: lower ? "w_enc" : "W_enc",
      bEnc: "b_enc",
      wDec: lower ? "w_dec" : "W_dec",
      bDec: "b_dec",
      threshold: "threshold",
    };
    const { dIn, dSae, dOut } = jumpReluDims(store, names);
    const where = `${set.name}/${path}`;
    const layer = /layer_(\d+)/.exec(where)?.[1];
    const transcoder = /transcoder/i.test(where);
    const site = (s: string) => (layer === undefined ? "unknown" : `blocks.${layer}.${s}`);
    const sae = gemmaScope1Site(where, layer);
    const embedding = !transcoder && sae.hookName === "hook_embed";
    const spec: DictionarySpec = {
      kind: transcoder ? "transcoder" : "sae",
      dIn,
      dSae,
      dOut,
      applyBDecToInput: false,
      hookName: transcoder ? site("ln2.hook_normalized") : sae.hookName,
      hookNameOut: transcoder ? site("hook_mlp_out") : sae.hookName,
      modelName: "gemma-2",
      normalizeActivations: "none",
      activation: { kind: "jumprelu", relu: true },
    };
    return {
      kind: "dictionary",
      format: "Gemma Scope 1",
      architecture: "jumprelu",
      spec,
      dtype: storeDtypes(store),
      bytes: src.size,
      notes: [
        transcoder ? "a transcoder by its folder name, on the MLP's input and output" : sae.note,
        "Gemma 2: weight views only here",
      ],
      load: async () => {
        const d = await readJumpRelu(store, names, spec);
        return embedding ? { ...d, params: rescaleEmbeddingSae(d.params, dIn) } : d;
      },
    };
  }
  return undefined;
}

/** SAELens's gemma_2_sae_huggingface_loader: W_enc / √d_in, W_dec · √d_in for `embedding`. */
function rescaleEmbeddingSae(p: DictionaryParams, dIn: number): DictionaryParams {
  const s = Math.sqrt(dIn);
  return {
    ...p,
    wEnc: Float32Array.from(p.wEnc, (v) => v / s),
    wDec: Float32Array.from(p.wDec, (v) => v * s),
  };
}

const GS2_NAMES: JumpReluNames = {
  wEnc: "w_enc",
  bEnc: "b_enc",
  wDec: "w_dec",
  bDec: "b_dec",
  threshold: "threshold",
  wSkip: "affine_skip_connection",
};

export async function recognizeGemmaScope2(
  set: FileSet,
): Promise<RecognizedDictionary | undefined> {
  for (const path of findByName(set, "params.safetensors")) {
    const src = set.files.get(path)!;
    const file = await openSafetensors(src);
    if (!file.has("w_enc")) continue;
    const store = safetensorsStore(file);
    const cfgSrc = set.files.get(siblingPath(path, "config.json"));
    const cfg = cfgSrc ? await readJsonObject(cfgSrc) : {};
    const arch = cfg.architecture ?? "jump_relu";
    if (arch !== "jump_relu" && arch !== "jumprelu") {
      throw new FormatError(
        cfgSrc?.name ?? src.name,
        `field "architecture" is ${JSON.stringify(arch)}; expected "jump_relu"`,
      );
    }
    const { dIn, dSae, dOut } = jumpReluDims(store, GS2_NAMES);
    const hookIn = typeof cfg.hf_hook_point_in === "string" ? cfg.hf_hook_point_in : "unknown";
    const hookOut = typeof cfg.hf_hook_point_out === "string" ? cfg.hf_hook_point_out : hookIn;
    const transcoder = hookOut !== hookIn || dOut !== dIn;
    const skip = store.tensors.has("affine_skip_connection");
    const spec: DictionarySpec = {
      kind: transcoder ? "transcoder" : "sae",
      dIn,
      dSae,
      dOut,
      applyBDecToInput: false,
      hookName: hookIn,
      hookNameOut: transcoder ? hookOut : hookIn,
      modelName: typeof cfg.model_name === "string" ? cfg.model_name : "gemma-3",
      normalizeActivations: "none",
      activation: { kind: "jumprelu", relu: true },
      ...(skip ? { skip: true } : {}),
    };
    return {
      kind: "dictionary",
      format: "Gemma Scope 2",
      architecture: skip ? "jumprelu + affine skip" : "jumprelu",
      spec,
      dtype: storeDtypes(store),
      bytes: src.size,
      notes: ["sites are Hugging Face module names of a Gemma 3 model: weight views only here"],
      load: () => readJumpRelu(store, GS2_NAMES, spec),
    };
  }
  return undefined;
}
