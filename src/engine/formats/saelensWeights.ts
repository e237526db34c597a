/** SAELens sae_weights.safetensors <-> DictionaryParams, for every inference architecture. */
import {
  saelensArchitecture,
  type DictionaryParams,
  type DictionarySpec,
} from "../dictionary/spec.ts";
import { assertFinite } from "./assertFinite.ts";
import { FormatError } from "./formatError.ts";
import type { SaelensArchitecture, SaelensCfg } from "./saelensCfg.ts";
import type { SafetensorsFile } from "./safetensors.ts";
import { writeSafetensors } from "./safetensorsWrite.ts";
import { foldDecoderNorms, foldGated, foldNormScalingFactor } from "../dictionary/folds.ts";

interface WeightShape {
  tensor: string;
  shape: number[];
  dims: string;
}

function weightShapes(spec: DictionarySpec, arch: string): WeightShape[] {
  const { dIn, dSae, dOut } = spec;
  const latent = (tensor: string) => ({ tensor, shape: [dSae], dims: "[d_sae]" });
  return [
    { tensor: "W_enc", shape: [dIn, dSae], dims: "[d_in, d_sae]" },
    ...(arch === "gated" ? ["b_gate", "b_mag", "r_mag"].map(latent) : [latent("b_enc")]),
    { tensor: "W_dec", shape: [dSae, dOut], dims: "[d_sae, d_out]" },
    { tensor: "b_dec", shape: [dOut], dims: "[d_out]" },
    ...(arch.startsWith("jumprelu") ? [latent("threshold")] : []),
    ...(arch.includes("skip")
      ? [{ tensor: "W_skip", shape: [dOut, dIn], dims: "[d_out, d_in]" }]
      : []),
  ];
}

/**
 * Reads and checks the tensors of the cfg's architecture against its dimensions; any float
 * dtype, values finite. Other tensors are refused (SAELens loads its state dict strictly),
 * except `scaling_factor`, which old SAELens versions saved: all ones is dropped, anything
 * else scales the decoder rows as the old decode (f·s) @ W_dec did.
 *
 * What SAELens does at load time is done here too, exactly: gated becomes JumpReLU, a TopK
 * SAE's decoder norms are folded in, and a known expected_average_only_in scale is folded
 * in (the spec then says "none"). Without a scale the spec keeps expected_average_only_in
 * and the caller must ask for it (foldNormScalingFactor).
 */
export async function readSaelensWeights(
  file: SafetensorsFile,
  cfgOrSpec: SaelensCfg | DictionarySpec,
): Promise<{ spec: DictionarySpec; params: DictionaryParams }> {
  const cfg: SaelensCfg =
    "architecture" in cfgOrSpec
      ? cfgOrSpec
      : {
          spec: cfgOrSpec,
          architecture: saelensArchitecture(cfgOrSpec) as SaelensArchitecture,
          rescaleActsByDecoderNorm: false,
        };
  const { spec, architecture: arch } = cfg;
  const shapes = weightShapes(spec, arch);
  const known = new Set(shapes.map((s) => s.tensor));
  for (const name of file.tensors.keys()) {
    if (name !== "scaling_factor" && !known.has(name)) {
      throw new FormatError(
        file.name,
        `unexpected tensor for architecture "${arch}"; expected only ${[...known].join(", ")}`,
        name,
      );
    }
  }
  const t: Record<string, Float32Array<ArrayBuffer>> = {};
  for (const s of shapes) {
    try {
      file.expectShape(s.tensor, s.shape, s.dims);
    } catch (e) {
      if (!(e instanceof FormatError) || e.tensor === undefined) throw e;
      throw new FormatError(e.file, `${e.detail}; cfg.json and the weights disagree`, e.tensor);
    }
    const data = await file.readF32(s.tensor);
    assertFinite(data, file.name, s.tensor, 0, s.shape.length === 2 ? (s.shape[1] as number) : 1);
    t[s.tensor] = data;
  }
  let params: DictionaryParams =
    arch === "gated"
      ? foldGated({
          wEnc: t.W_enc!,
          bGate: t.b_gate!,
          bMag: t.b_mag!,
          rMag: t.r_mag!,
          wDec: t.W_dec!,
          bDec: t.b_dec!,
        })
      : { wEnc: t.W_enc!, bEnc: t.b_enc!, wDec: t.W_dec!, bDec: t.b_dec! };
  if (t.threshold) params.threshold = t.threshold;
  if (t.W_skip) params.wSkip = t.W_skip;
  if (file.has("scaling_factor")) {
    await applyScalingFactor(file, spec, params);
  }
  if (cfg.rescaleActsByDecoderNorm) params = foldDecoderNorms(spec, params);
  let outSpec = spec;
  if (spec.normalizeActivations === "expected_average_only_in" && cfg.normScalingFactor) {
    params = foldNormScalingFactor(params, cfg.normScalingFactor);
    outSpec = { ...spec, normalizeActivations: "none" };
  }
  return { spec: outSpec, params };
}

async function applyScalingFactor(
  file: SafetensorsFile,
  spec: DictionarySpec,
  params: DictionaryParams,
): Promise<void> {
  file.expectShape("scaling_factor", [spec.dSae], "[d_sae]");
  const s = await file.readF32("scaling_factor");
  assertFinite(s, file.name, "scaling_factor", 0, 1);
  if (s.every((v) => v === 1)) return;
  for (let i = 0; i < spec.dSae; i++) {
    for (let d = 0; d < spec.dOut; d++) params.wDec[i * spec.dOut + d]! *= s[i]!;
  }
}

/** sae_weights.safetensors bytes, f32, in the order SAELens writes them. */
export function writeSaelensWeights(
  params: DictionaryParams,
  spec: DictionarySpec,
): Uint8Array<ArrayBuffer> {
  const arch = saelensArchitecture(spec);
  const data: Record<string, Float32Array | undefined> = {
    W_enc: params.wEnc,
    b_enc: params.bEnc,
    W_dec: params.wDec,
    b_dec: params.bDec,
    threshold: params.threshold,
    W_skip: params.wSkip,
  };
  return writeSafetensors(
    weightShapes(spec, arch).map((s) => {
      const values = data[s.tensor];
      if (values === undefined) throw new Error(`writeSaelensWeights: ${s.tensor} is missing`);
      return { name: s.tensor, dtype: "F32" as const, shape: s.shape, data: values };
    }),
    { format: "pt" },
  );
}
