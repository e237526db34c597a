/**
 * Single-layer transcoder files of circuit-tracer and mwhanna: one .safetensors per layer
 * (`layer_N.safetensors`) with W_enc, W_dec, b_enc, b_dec, optional W_skip [d, d] (x @ W_skipᵀ)
 * and optional `activation_function.threshold` (circuit-tracer's JumpReLU: pre·[pre > θ], no
 * ReLU). The loaders disagree on orientation, so every matrix is oriented by its shape against
 * d_sae = len(b_enc); square ones follow circuit-tracer's convention (W_enc [d_sae, d_in]).
 */
import type { DictionarySpec } from "../../dictionary/spec.ts";
import { FormatError } from "../formatError.ts";
import { baseName, findByExtension, type FileSet } from "../fileSet.ts";
import { openSafetensors } from "../safetensors.ts";
import { safetensorsStore } from "../tensorStore.ts";
import { readOriented, readVector, storeDtypes, vectorLength } from "./matrices.ts";
import type { RecognizedDictionary } from "./recognized.ts";
import { SAELENS_WEIGHTS_FILENAME } from "../saelensCfg.ts";

const THRESHOLD = "activation_function.threshold";

export async function recognizeCircuitTracer(
  set: FileSet,
): Promise<RecognizedDictionary | undefined> {
  for (const path of findByExtension(set, ".safetensors")) {
    // SAELens weights without their cfg.json are refused by recognize(), not guessed at.
    if (baseName(path) === SAELENS_WEIGHTS_FILENAME) continue;
    const src = set.files.get(path)!;
    const file = await openSafetensors(src);
    if (!["W_enc", "W_dec", "b_enc", "b_dec"].every((n) => file.has(n))) continue;
    const store = safetensorsStore(file);
    const dSae = vectorLength(store, "b_enc");
    const dOut = vectorLength(store, "b_dec");
    const enc = store.tensors.get("W_enc")!.shape;
    if (dSae === undefined || dOut === undefined || enc.length !== 2) {
      throw new FormatError(src.name, "expected b_enc [d_sae], b_dec [d_out] and a 2-d W_enc");
    }
    if (enc[0] !== dSae && enc[1] !== dSae) {
      throw new FormatError(
        src.name,
        `neither dimension of [${enc.join(", ")}] is d_sae = ${dSae} (the length of b_enc)`,
        "W_enc",
      );
    }
    const dIn = enc[0] === dSae ? enc[1]! : enc[0]!;
    const layer = /(\d+)\.safetensors$/.exec(baseName(path))?.[1];
    const jump = store.tensors.has(THRESHOLD);
    const skip = store.tensors.has("W_skip");
    const spec: DictionarySpec = {
      kind: "transcoder",
      dIn,
      dSae,
      dOut,
      applyBDecToInput: false,
      hookName: layer === undefined ? "unknown" : `blocks.${layer}.ln2.hook_normalized`,
      hookNameOut: layer === undefined ? "unknown" : `blocks.${layer}.hook_mlp_out`,
      modelName: "unknown",
      normalizeActivations: "none",
      ...(jump ? { activation: { kind: "jumprelu", relu: false } } : {}),
      ...(skip ? { skip: true } : {}),
    };
    const notes = [
      layer === undefined
        ? "no layer in the file name: the sites are unknown"
        : `sites from the file name: the MLP input and output of layer ${layer}`,
    ];
    if (jump) notes.push("JumpReLU without ReLU, as circuit-tracer computes it");
    return {
      kind: "dictionary",
      format: "circuit-tracer / mwhanna transcoder",
      architecture: `${jump ? "jumprelu" : "relu"}${skip ? " skip" : ""}`,
      spec,
      dtype: storeDtypes(store),
      bytes: src.size,
      notes,
      load: async () => ({
        spec,
        params: {
          wEnc: await readOriented(store, "W_enc", dIn, dSae, "[d_in, d_sae]", "transposed"),
          bEnc: await readVector(store, "b_enc", dSae, "[d_sae]"),
          wDec: await readOriented(store, "W_dec", dSae, dOut, "[d_sae, d_out]", "as-is"),
          bDec: await readVector(store, "b_dec", dOut, "[d_out]"),
          ...(jump ? { threshold: await readVector(store, THRESHOLD, dSae, "[d_sae]") } : {}),
          ...(skip
            ? { wSkip: await readOriented(store, "W_skip", dOut, dIn, "[d_out, d_in]", "as-is") }
            : {}),
        },
      }),
    };
  }
  return undefined;
}
