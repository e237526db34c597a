/** SAELens sae_weights.safetensors <-> DictionaryParams. */
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { assertFinite } from "./assertFinite.ts";
import { FormatError } from "./formatError.ts";
import type { SafetensorsFile } from "./safetensors.ts";
import { writeSafetensors } from "./safetensorsWrite.ts";

interface WeightShape {
  name: keyof DictionaryParams;
  tensor: string;
  shape: number[];
  dims: string;
}

function weightShapes(spec: DictionarySpec): WeightShape[] {
  return [
    { name: "wEnc", tensor: "W_enc", shape: [spec.dIn, spec.dSae], dims: "[d_in, d_sae]" },
    { name: "bEnc", tensor: "b_enc", shape: [spec.dSae], dims: "[d_sae]" },
    { name: "wDec", tensor: "W_dec", shape: [spec.dSae, spec.dOut], dims: "[d_sae, d_out]" },
    { name: "bDec", tensor: "b_dec", shape: [spec.dOut], dims: "[d_out]" },
  ];
}

/**
 * Reads and checks W_enc [d_in, d_sae], b_enc [d_sae], W_dec [d_sae, d_out],
 * b_dec [d_out] against the dimensions from cfg.json; any float dtype, values finite.
 * Other tensors are refused (SAELens loads its state dict strictly), except an all-ones
 * `scaling_factor` that old SAELens versions saved and SAELens itself drops.
 */
export async function readSaelensWeights(
  file: SafetensorsFile,
  spec: DictionarySpec,
): Promise<DictionaryParams> {
  const shapes = weightShapes(spec);
  const known = new Set(shapes.map((s) => s.tensor));
  for (const name of file.tensors.keys()) {
    if (name === "scaling_factor") await checkScalingFactor(file);
    else if (!known.has(name)) {
      const arch = spec.kind === "sae" ? "standard" : "transcoder";
      throw new FormatError(
        file.name,
        `unexpected tensor for architecture "${arch}"; expected only W_enc, b_enc, W_dec, b_dec`,
        name,
      );
    }
  }
  const out: Partial<DictionaryParams> = {};
  for (const s of shapes) {
    try {
      file.expectShape(s.tensor, s.shape, s.dims);
    } catch (e) {
      if (!(e instanceof FormatError) || e.tensor === undefined) throw e;
      throw new FormatError(e.file, `${e.detail}; cfg.json and the weights disagree`, e.tensor);
    }
    const data = await file.readF32(s.tensor);
    assertFinite(data, file.name, s.tensor, 0, s.shape.length === 2 ? (s.shape[1] as number) : 1);
    out[s.name] = data;
  }
  return out as DictionaryParams;
}

async function checkScalingFactor(file: SafetensorsFile): Promise<void> {
  const values = await file.readF32("scaling_factor");
  const i = values.findIndex((v) => v !== 1);
  if (i >= 0) {
    throw new FormatError(
      file.name,
      `value ${values[i]} at index ${i}; a fine-tuning scaling factor is not supported (expected all 1)`,
      "scaling_factor",
    );
  }
}

/** sae_weights.safetensors bytes, f32, in the order W_enc, b_enc, W_dec, b_dec. */
export function writeSaelensWeights(
  params: DictionaryParams,
  spec: DictionarySpec,
): Uint8Array<ArrayBuffer> {
  return writeSafetensors(
    weightShapes(spec).map((s) => ({
      name: s.tensor,
      dtype: "F32" as const,
      shape: s.shape,
      data: params[s.name],
    })),
    { format: "pt" },
  );
}
