import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { truthFiles, type TruthSamples } from "../engine/synthetic/exportTruth.ts";
import type { SyntheticModel } from "../engine/synthetic/syntheticModel.ts";

/** Writes a synthetic model's ground truth to `dir` (layout: src/engine/synthetic/exportTruth.ts). */
export async function writeTruthFolder(
  dir: string,
  model: SyntheticModel,
  samples?: TruthSamples,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, bytes] of truthFiles(model, samples)) {
    await writeFile(join(dir, name), bytes);
    written.push(name);
  }
  return written;
}
