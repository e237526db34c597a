/** The last steps before a loaded dictionary can run or be saved as SAELens files. */
import { foldNormScalingFactor } from "../../dictionary/folds.ts";
import { activationOf } from "../../dictionary/spec.ts";
import type { LoadedDictionary } from "./recognized.ts";

export class NeedsNormScale extends Error {
  override readonly name = "NeedsNormScale";
}

/**
 * Folds an expected_average_only_in scale that the files did not carry. Without one the
 * dictionary cannot run: its weights expect inputs multiplied by an unknown constant.
 */
export function withNormScale(d: LoadedDictionary, scale: number | undefined): LoadedDictionary {
  if (d.spec.normalizeActivations !== "expected_average_only_in") return d;
  if (scale === undefined) {
    throw new NeedsNormScale(
      "this dictionary was trained on activations scaled by a constant (normalize_activations " +
        "expected_average_only_in) and its files do not say which; give the scale " +
        "(SAELens's norm_scaling_factor for this SAE)",
    );
  }
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(`the norm scaling factor must be a positive number, got ${scale}`);
  }
  return {
    spec: { ...d.spec, normalizeActivations: "none" },
    params: foldNormScalingFactor(d.params, scale),
  };
}

/**
 * The same dictionary in a form written as a SAELens folder, or why there is none: SAELens's
 * JumpReLU applies a ReLU (identical to circuit-tracer's when no threshold is negative). A TopK
 * transcoder (e.g. sparsify's) passes: it is written as topk_transcoder with a note, as training
 * and Download write it (runSaelensCfg), which npm run eval and the playground load.
 */
export function saelensForm(d: LoadedDictionary): LoadedDictionary {
  const act = activationOf(d.spec);
  if (act.kind === "topk" && act.relu === false) {
    throw new Error(
      "this TopK keeps negative values (no ReLU after the top k, as OpenAI's postact_fn Identity); " +
        "SAELens's TopK always applies a ReLU, so it cannot be saved as a SAELens folder",
    );
  }
  if (act.kind === "jumprelu" && !act.relu) {
    const negative = d.params.threshold?.filter((t) => t < 0).length ?? 0;
    if (negative > 0) {
      throw new Error(
        `${negative} latents have a negative JumpReLU threshold; without a ReLU they can be negative, ` +
          "which SAELens's JumpReLU (with a ReLU) cannot express",
      );
    }
    return { ...d, spec: { ...d.spec, activation: { kind: "jumprelu", relu: true } } };
  }
  return d;
}
