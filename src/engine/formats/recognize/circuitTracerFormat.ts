/**
 * Single-layer transcoder files of circuit-tracer and mwhanna: one .safetensors per layer
 * (`layer_N.safetensors`) with W_enc, W_dec, b_enc, b_dec, optional W_skip [d, d] (x @ W_skipᵀ)
 * and optional `activation_function.threshold` (circuit-tracer's JumpReLU: pre·[pre > θ], no
 * ReLU). Both read the MLP module's input after ln_2's gain and bias (circuit-tracer's
 * feature_input_hook "mlp.hook_in" with fold_ln=False; SAELens's mwhanna loader the same), bound
 * to a model by mlpInputSite.ts.
 *
 * Every matrix is oriented by its shape against d_sae = len(b_enc). Both writers store W_enc
 * [d_sae, d_in]; they disagree on W_dec, which only matters when it is square (d_sae = d_model):
 * circuit-tracer's load_relu_transcoder transposes it (stored [d_model, d_sae]) and needs a
 * W_skip tensor in the file (it reads param_dict["W_skip"]); SAELens's mwhanna loader keeps it
 * [d_sae, d_model] and loads strictly, so its files have no W_skip. A square W_dec is therefore
 * read as circuit-tracer's when the file has W_skip, as mwhanna's otherwise, and the notes say so.
 */
import type { DictionarySpec } from "../../dictionary/spec.ts";
import { FormatError } from "../formatError.ts";
import { baseName, findByExtension, type FileSet } from "../fileSet.ts";
import { openSafetensors } from "../safetensors.ts";
import { safetensorsStore } from "../tensorStore.ts";
import { readOriented, readVector, storeDtypes, vectorLength } from "./matrices.ts";
import type { RecognizedDictionary } from "./recognized.ts";
import { SAELENS_WEIGHTS_FILENAME } from "../saelensCfg.ts";
import { MLP_INPUT_SITE, mlpInputNote } from "../../model/mlpInputSite.ts";

const THRESHOLD = "activation_function.threshold";

/** For a square W_dec only: which writer's orientation is read, and the note that says why. */
function squareDecoder(
  dSae: number,
  dOut: number,
  skip: boolean,
): { stored: "as-is" | "transposed"; note: string } | undefined {
  if (dSae !== dOut) return undefined;
  return skip
    ? {
        stored: "transposed",
        note:
          `W_dec is square (d_sae = d_model = ${dSae}): read as circuit-tracer stores it, ` +
          "[d_model, d_sae] (its load_relu_transcoder transposes it), because the file has W_skip, " +
          "which circuit-tracer's loader requires and SAELens's mwhanna loader refuses. If it was " +
          "written as mwhanna's [d_sae, d_model], save it again without W_skip or with W_dec transposed",
      }
    : {
        stored: "as-is",
        note:
          `W_dec is square (d_sae = d_model = ${dSae}): read as mwhanna / SAELens store it, ` +
          "[d_sae, d_model], because the file has no W_skip, which circuit-tracer's " +
          "load_relu_transcoder requires. If it was written as circuit-tracer's [d_model, d_sae], " +
          "save it again with W_dec transposed",
      };
}

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
      hookName: layer === undefined ? "unknown" : `blocks.${layer}.${MLP_INPUT_SITE}`,
      hookNameOut: layer === undefined ? "unknown" : `blocks.${layer}.hook_mlp_out`,
      modelName: "unknown",
      normalizeActivations: "none",
      ...(jump ? { activation: { kind: "jumprelu", relu: false } } : {}),
      ...(skip ? { skip: true } : {}),
    };
    const notes = [
      layer === undefined
        ? "no layer in the file name: the sites are unknown"
        : `sites from the file name: the MLP input and output of layer ${layer}; ` +
          mlpInputNote(Number(layer), "circuit-tracer"),
    ];
    if (jump) notes.push("JumpReLU without ReLU, as circuit-tracer computes it");
    const decoderStored = squareDecoder(dSae, dOut, skip);
    if (decoderStored) notes.push(decoderStored.note);
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
          wDec: await readOriented(
            store,
            "W_dec",
            dSae,
            dOut,
            "[d_sae, d_out]",
            decoderStored?.stored ?? "as-is",
          ),
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
