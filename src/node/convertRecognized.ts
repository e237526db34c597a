/** Writes a recognised dictionary as a SAELens 6 folder, or a GPT-2 checkpoint as a Hugging Face one. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { saelensForm, withNormScale } from "../engine/formats/recognize/finishLoad.ts";
import type { Recognized } from "../engine/formats/recognize/index.ts";
import {
  runSaelensCfg,
  SAELENS_CFG_FILENAME,
  SAELENS_WEIGHTS_FILENAME,
  writeSaelensWeights,
} from "../engine/formats/saelens.ts";
import { hfCheckpointBytes, hfConfigJson } from "../engine/model/hfCheckpoint.ts";

export interface Converted {
  files: string[];
  /** Why SAELens 6.18 cannot load the folder (also in its cfg.json's metadata.note). */
  note?: string;
}

/**
 * The written files. A dictionary goes through runSaelensCfg, as a trained run's folder does: a
 * TopK transcoder (e.g. sparsify's) becomes topk_transcoder, with the note saying so. Throws
 * NeedsNormScale when a scale is needed and `scale` is absent.
 */
export async function convertRecognized(
  r: Recognized,
  out: string,
  scale: number | undefined,
): Promise<Converted> {
  if (r.kind === "model") {
    const weights = await r.load();
    await mkdir(out, { recursive: true });
    const files = [join(out, "config.json"), join(out, "model.safetensors")];
    await writeFile(files[0]!, hfConfigJson(weights.config) + "\n");
    await writeFile(files[1]!, hfCheckpointBytes(weights));
    return { files };
  }
  const { spec, params } = saelensForm(withNormScale(await r.load(), scale));
  const cfg = runSaelensCfg(spec, {
    converted_from: r.format,
    converted_architecture: r.architecture,
  });
  await mkdir(out, { recursive: true });
  const cfgPath = join(out, SAELENS_CFG_FILENAME);
  const weightsPath = join(out, SAELENS_WEIGHTS_FILENAME);
  await writeFile(weightsPath, writeSaelensWeights(params, spec));
  await writeFile(cfgPath, JSON.stringify(cfg, null, 2) + "\n");
  const note = (cfg.metadata as { note?: string }).note;
  return { files: [cfgPath, weightsPath], ...(note === undefined ? {} : { note }) };
}
