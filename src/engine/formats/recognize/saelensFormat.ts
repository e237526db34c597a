/** SAELens folders: cfg.json + sae_weights.safetensors, every v6 architecture and pre-6 configs. */
import { activationOf } from "../../dictionary/spec.ts";
import { findByName, readJsonObject, siblingPath, type FileSet } from "../fileSet.ts";
import { readSaelensCfg, SAELENS_CFG_FILENAME, SAELENS_WEIGHTS_FILENAME } from "../saelensCfg.ts";
import { readSaelensWeights } from "../saelensWeights.ts";
import { openSafetensors } from "../safetensors.ts";
import type { RecognizedDictionary } from "./recognized.ts";
import { storeDtypes } from "./matrices.ts";
import { safetensorsStore } from "../tensorStore.ts";

const SAELENS_KEYS = ["d_sae", "architecture", "hook_name", "hook_point"];

export async function recognizeSaelens(set: FileSet): Promise<RecognizedDictionary | undefined> {
  for (const cfgPath of findByName(set, SAELENS_CFG_FILENAME)) {
    const weightsPath = siblingPath(cfgPath, SAELENS_WEIGHTS_FILENAME);
    const weightsSrc = set.files.get(weightsPath);
    if (!weightsSrc) continue;
    const cfgSrc = set.files.get(cfgPath)!;
    const json = await readJsonObject(cfgSrc);
    const meta = (json.metadata ?? {}) as Record<string, unknown>;
    if (!SAELENS_KEYS.some((k) => k in json || k in meta)) continue;
    const cfg = readSaelensCfg(json, cfgSrc.name);
    const file = await openSafetensors(weightsSrc);
    const version =
      meta.sae_lens_version ?? json.sae_lens_version ?? json.sae_lens_training_version;
    const v6 = typeof version === "string" && Number.parseInt(version, 10) >= 6;
    const notes: string[] = [];
    if (!v6) notes.push("a pre-6 SAELens config, upgraded as SAELens 6 does");
    if (cfg.architecture === "gated") notes.push("gated, converted exactly to JumpReLU");
    if (cfg.rescaleActsByDecoderNorm) notes.push("decoder norms folded into the weights");
    if (cfg.spec.normalizeActivations === "expected_average_only_in") {
      notes.push(
        cfg.normScalingFactor === undefined
          ? "expected_average_only_in without a norm_scaling_factor: the scale must be given"
          : `norm_scaling_factor ${cfg.normScalingFactor} folded into the weights`,
      );
    }
    const act = activationOf(cfg.spec);
    return {
      kind: "dictionary",
      format: v6 ? "SAELens 6" : "SAELens (pre-6)",
      architecture: cfg.architecture + (act.kind === "topk" ? ` k=${act.k}` : ""),
      spec: cfg.spec,
      dtype: storeDtypes(safetensorsStore(file)),
      bytes: weightsSrc.size,
      notes,
      load: () => readSaelensWeights(file, cfg),
    };
  }
  return undefined;
}
