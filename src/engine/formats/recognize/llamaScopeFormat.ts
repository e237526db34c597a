/**
 * Llama Scope: hyperparams.json + checkpoints/final.safetensors (encoder.weight [d_sae, d],
 * decoder.weight [d, d_sae], encoder.bias, decoder.bias). Read as SAELens's loader reads it:
 * JumpReLU with the scalar jump_relu_threshold for every latent, activations normalised by
 * s = √d / dataset_average_activation_norm.in, with the threshold scaled by s; s is folded in.
 */
import type { DictionarySpec } from "../../dictionary/spec.ts";
import { foldNormScalingFactor } from "../../dictionary/folds.ts";
import { FormatError } from "../formatError.ts";
import { findByName, readJsonObject, siblingPath, type FileSet } from "../fileSet.ts";
import { openSafetensors } from "../safetensors.ts";
import { safetensorsStore } from "../tensorStore.ts";
import { readOriented, readVector, storeDtypes } from "./matrices.ts";
import type { RecognizedDictionary } from "./recognized.ts";

export async function recognizeLlamaScope(set: FileSet): Promise<RecognizedDictionary | undefined> {
  for (const hpPath of findByName(set, "hyperparams.json")) {
    const hpSrc = set.files.get(hpPath)!;
    const weightsSrc =
      set.files.get(siblingPath(hpPath, "checkpoints/final.safetensors")) ??
      set.files.get(siblingPath(hpPath, "final.safetensors"));
    if (!weightsSrc) {
      throw new FormatError(
        hpSrc.name,
        "a Llama Scope folder needs checkpoints/final.safetensors beside it",
      );
    }
    const hp = await readJsonObject(hpSrc);
    const num = (field: string): number => {
      const v = field
        .split(".")
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], hp);
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new FormatError(
          hpSrc.name,
          `field "${field}" is ${JSON.stringify(v) ?? "missing"}; expected a number`,
        );
      }
      return v;
    };
    const d = num("d_model");
    const dSae = num("d_sae");
    const s = Math.sqrt(d) / num("dataset_average_activation_norm.in");
    const theta = num("jump_relu_threshold") * s;
    const hook = typeof hp.hook_point_in === "string" ? hp.hook_point_in : "unknown";
    const file = await openSafetensors(weightsSrc);
    const store = safetensorsStore(file);
    const spec: DictionarySpec = {
      kind: "sae",
      dIn: d,
      dSae,
      dOut: d,
      applyBDecToInput: false,
      hookName: hook,
      hookNameOut: hook,
      modelName: "meta-llama/Llama-3.1-8B",
      normalizeActivations: "none",
      activation: { kind: "jumprelu", relu: true },
    };
    return {
      kind: "dictionary",
      format: "Llama Scope",
      architecture: "jumprelu (scalar threshold)",
      spec,
      dtype: storeDtypes(store),
      bytes: weightsSrc.size,
      notes: [
        `dataset-wise norm scale ${s.toPrecision(6)} folded into the weights, as SAELens loads it`,
      ],
      load: async () => {
        const params = {
          wEnc: await readOriented(store, "encoder.weight", d, dSae, "[d, d_sae]", "transposed"),
          bEnc: await readVector(store, "encoder.bias", dSae, "[d_sae]"),
          wDec: await readOriented(store, "decoder.weight", dSae, d, "[d_sae, d]", "transposed"),
          bDec: await readVector(store, "decoder.bias", d, "[d]"),
          threshold: new Float32Array(dSae).fill(theta),
        };
        return { spec, params: foldNormScalingFactor(params, s) };
      },
    };
  }
  return undefined;
}
