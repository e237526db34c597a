/** GPT-2 checkpoints on disk: a folder with config.json + model.safetensors, or "builtin". */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import {
  loadGpt2,
  MODEL_CONFIG_FILENAME,
  MODEL_WEIGHTS_FILENAME,
} from "../engine/model/loadGpt2.ts";
import { fileError, openFileByteSource } from "./fileByteSource.ts";

export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "public");
export const BUILTIN_MODEL_DIR = join(PUBLIC_DIR, "builtin", "gpt2-brown");

export function modelDir(model: string): string {
  return model === "builtin" ? BUILTIN_MODEL_DIR : model;
}

export async function loadModelFolder(
  model: string,
  options: { processing: boolean },
): Promise<Gpt2Weights> {
  const dir = modelDir(model);
  const configPath = join(dir, MODEL_CONFIG_FILENAME);
  let text: string;
  try {
    text = await readFile(configPath, "utf8");
  } catch (e) {
    throw fileError(configPath, e);
  }
  const src = await openFileByteSource(join(dir, MODEL_WEIGHTS_FILENAME));
  try {
    return await loadGpt2({ name: configPath, text }, src, options);
  } finally {
    await src.close();
  }
}
