import { strToU8, unzipSync, zipSync } from "fflate";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { FormatError } from "./formatError.ts";
import { bytesByteSource } from "./byteSource.ts";
import { openSafetensors, writeSafetensors } from "./safetensors.ts";
import type { TrainingMetrics } from "../train/metrics.ts";
import {
  type ExtraMetadata,
  readSaelensCfg,
  SAELENS_CFG_FILENAME,
  SAELENS_WEIGHTS_FILENAME,
  runSaelensCfg,
} from "./saelensCfg.ts";
import { readSaelensWeights, writeSaelensWeights } from "./saelensWeights.ts";

export const SPARSITY_FILENAME = "sparsity.safetensors";

export interface DictionaryFiles {
  /** The folder inside the zip, e.g. "transcoder". */
  folder: string;
  spec: DictionarySpec;
  params: DictionaryParams;
  /** log10 feature density per latent, saved as SAELens's sparsity.safetensors. */
  sparsity?: Float32Array<ArrayBuffer>;
  /** Kept in cfg.json's metadata (e.g. the initialisation seed). */
  metadata?: ExtraMetadata;
  /** The logged steps, saved as metrics.jsonl (one line per step, as `npm run train` writes). */
  metrics?: readonly TrainingMetrics[];
  /** The final evaluation, saved as eval.json (as `npm run train` writes). */
  evaluation?: object;
}

export const METRICS_FILENAME = "metrics.jsonl";
export const EVAL_FILENAME = "eval.json";

/** One line per logged step, without the density histogram, as `npm run train` writes it. */
export function metricsJsonl(metrics: readonly TrainingMetrics[]): string {
  return metrics
    .map((m) => {
      const { feature_density_log10: _density, ...scalars } = m;
      return JSON.stringify(scalars) + "\n";
    })
    .join("");
}

/**
 * A zip of SAELens folders, one per dictionary: cfg.json, sae_weights.safetensors and
 * sparsity.safetensors (with the run's metrics.jsonl and eval.json beside them), as SAELens's SAE.load_from_disk reads them after unzipping (a TopK
 * transcoder under the name topk_transcoder; a folder SAELens 6.18 cannot load carries a
 * metadata.note saying which SAELens can, if any: see runSaelensCfg).
 */
export function saelensZip(dictionaries: readonly DictionaryFiles[]): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const d of dictionaries) Object.assign(files, saelensFolderFiles(d));
  // Safetensors of random floats do not compress; store them, deflate the JSON.
  return zipSync(files, { level: 0 });
}

/** One dictionary's SAELens folder as paths ("<folder>/cfg.json", ...) and their bytes. */
export function saelensFolderFiles(d: DictionaryFiles): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  files[`${d.folder}/${SAELENS_CFG_FILENAME}`] = strToU8(
    JSON.stringify(runSaelensCfg(d.spec, d.metadata), null, 2) + "\n",
  );
  if (d.metrics) files[`${d.folder}/${METRICS_FILENAME}`] = strToU8(metricsJsonl(d.metrics));
  if (d.evaluation) {
    files[`${d.folder}/${EVAL_FILENAME}`] = strToU8(JSON.stringify(d.evaluation, null, 2) + "\n");
  }
  files[`${d.folder}/${SAELENS_WEIGHTS_FILENAME}`] = writeSaelensWeights(d.params, d.spec);
  if (d.sparsity) {
    files[`${d.folder}/${SPARSITY_FILENAME}`] = writeSafetensors([
      { name: "sparsity", dtype: "F32", shape: [d.spec.dSae], data: d.sparsity },
    ]);
  }
  return files;
}

/** Reads back the dictionaries of a zip made by saelensZip (for tests and round trips). */
export async function readSaelensZip(
  bytes: Uint8Array,
  name = "download.zip",
): Promise<{ folder: string; spec: DictionarySpec; params: DictionaryParams }[]> {
  const files = unzipSync(bytes);
  const folders = Object.keys(files)
    .filter((f) => f.endsWith(`/${SAELENS_CFG_FILENAME}`))
    .map((f) => f.slice(0, -SAELENS_CFG_FILENAME.length - 1));
  const out = [];
  for (const folder of folders) {
    const cfgName = `${name}:${folder}/${SAELENS_CFG_FILENAME}`;
    const cfg = readSaelensCfg(
      JSON.parse(new TextDecoder().decode(files[`${folder}/${SAELENS_CFG_FILENAME}`])),
      cfgName,
    );
    const weights = files[`${folder}/${SAELENS_WEIGHTS_FILENAME}`];
    if (!weights) throw new FormatError(name, `${folder} has no ${SAELENS_WEIGHTS_FILENAME}`);
    const file = await openSafetensors(
      bytesByteSource(weights, `${name}:${folder}/${SAELENS_WEIGHTS_FILENAME}`),
    );
    out.push({ folder, ...(await readSaelensWeights(file, cfg)) });
  }
  return out;
}
