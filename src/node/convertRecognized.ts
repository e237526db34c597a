/** Writes a recognised dictionary as a SAELens 6 folder, or a GPT-2 checkpoint as a Hugging Face one. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { saelensForm, withNormScale } from "../engine/formats/recognize/finishLoad.ts";
import type { Recognized } from "../engine/formats/recognize/index.ts";
import { hfCheckpointBytes, hfConfigJson } from "../engine/model/hfCheckpoint.ts";
import { saveSaelensFolder } from "./saelensFolder.ts";

/** The written files. Throws NeedsNormScale when a scale is needed and `scale` is absent. */
export async function convertRecognized(
  r: Recognized,
  out: string,
  scale: number | undefined,
): Promise<string[]> {
  if (r.kind === "model") {
    const weights = await r.load();
    await mkdir(out, { recursive: true });
    const files = [join(out, "config.json"), join(out, "model.safetensors")];
    await writeFile(files[0]!, hfConfigJson(weights.config) + "\n");
    await writeFile(files[1]!, hfCheckpointBytes(weights));
    return files;
  }
  const loaded = saelensForm(withNormScale(await r.load(), scale));
  const { cfgPath, weightsPath } = await saveSaelensFolder(out, loaded.spec, loaded.params, {
    converted_from: r.format,
    converted_architecture: r.architecture,
  });
  return [cfgPath, weightsPath];
}
