import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  MODEL_QUALITY_FILENAME,
  parseModelQuality,
  type ModelQuality,
} from "../engine/model/modelQuality.ts";
import { modelDir } from "../node/modelFolder.ts";

/** The model folder's measured quality (its training.json), if it has one. */
export async function readModelQuality(model: string): Promise<ModelQuality | undefined> {
  try {
    return parseModelQuality(await readFile(join(modelDir(model), MODEL_QUALITY_FILENAME), "utf8"));
  } catch {
    return undefined;
  }
}
