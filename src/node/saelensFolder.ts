/** SAELens folders on disk: cfg.json + sae_weights.safetensors. */
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { FormatError } from "../engine/formats/formatError.ts";
import {
  readSaelensCfg,
  readSaelensWeights,
  SAELENS_CFG_FILENAME,
  SAELENS_WEIGHTS_FILENAME,
  toSaelensCfg,
  writeSaelensWeights,
  type ExtraMetadata,
} from "../engine/formats/saelens.ts";
import { openSafetensors } from "../engine/formats/safetensors.ts";
import { fileError, openFileByteSource } from "./fileByteSource.ts";

export interface SaelensDictionary {
  spec: DictionarySpec;
  params: DictionaryParams;
}

export async function loadSaelensFolder(dir: string): Promise<SaelensDictionary> {
  await expectFolder(dir);
  const cfgPath = join(dir, SAELENS_CFG_FILENAME);
  let text: string;
  try {
    text = await readFile(cfgPath, "utf8");
  } catch (e) {
    const err = fileError(cfgPath, e);
    if (err instanceof FormatError && err.detail === "file not found") {
      throw new FormatError(
        cfgPath,
        `file not found; expected a SAELens folder with ${SAELENS_CFG_FILENAME} and ${SAELENS_WEIGHTS_FILENAME}`,
      );
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(cfgPath, `invalid JSON (${(e as Error).message})`, undefined, {
      cause: e,
    });
  }
  const cfg = readSaelensCfg(json, cfgPath);
  const src = await openFileByteSource(join(dir, SAELENS_WEIGHTS_FILENAME));
  try {
    return await readSaelensWeights(await openSafetensors(src), cfg);
  } finally {
    await src.close();
  }
}

/**
 * Creates `dir` if needed and writes cfg.json (pretty-printed) and
 * sae_weights.safetensors. `params` must have any activation normalisation folded in.
 */
export async function saveSaelensFolder(
  dir: string,
  spec: DictionarySpec,
  params: DictionaryParams,
  extraMetadata?: ExtraMetadata,
): Promise<{ cfgPath: string; weightsPath: string }> {
  const cfg = toSaelensCfg(spec, extraMetadata);
  const weights = writeSaelensWeights(params, spec);
  await mkdir(dir, { recursive: true });
  const cfgPath = join(dir, SAELENS_CFG_FILENAME);
  const weightsPath = join(dir, SAELENS_WEIGHTS_FILENAME);
  await writeFile(weightsPath, weights);
  await writeFile(cfgPath, JSON.stringify(cfg, null, 2) + "\n");
  return { cfgPath, weightsPath };
}

async function expectFolder(dir: string): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) {
      throw new FormatError(dir, "is a file; expected a SAELens folder");
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new FormatError(dir, "folder not found");
    }
    throw e;
  }
}
