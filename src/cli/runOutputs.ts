import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import {
  type ExtraMetadata,
  SAELENS_CFG_FILENAME,
  SAELENS_WEIGHTS_FILENAME,
  runSaelensCfg,
  writeSaelensWeights,
} from "../engine/formats/saelens.ts";
import { writeSafetensors } from "../engine/formats/safetensors.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";

/** DIR/metrics.jsonl, one line per logged step (without the density histogram). */
export async function startMetricsLog(out: string): Promise<(m: TrainingMetrics) => Promise<void>> {
  await mkdir(out, { recursive: true });
  const path = join(out, "metrics.jsonl");
  await writeFile(path, "");
  return async (m) => {
    const { feature_density_log10: _density, ...scalars } = m;
    await appendFile(path, JSON.stringify(scalars) + "\n");
  };
}

export function progressLine(m: TrainingMetrics, steps: number, prefix = ""): string {
  return (
    `${prefix}step ${m.step}/${steps}  loss ${m.loss.toFixed(5)}  mse ${m.mse_loss.toFixed(5)}  ` +
    `l0 ${m.l0.toFixed(2)}  explained_variance ${m.explained_variance.toFixed(4)}  ` +
    `dead ${m.dead_features}`
  );
}

/**
 * The SAELens folder (cfg.json, sae_weights.safetensors) plus sparsity.safetensors (log10
 * feature density); a TopK transcoder under the name topk_transcoder, and a note in cfg.json
 * wherever SAELens 6.18 cannot load the folder (runSaelensCfg).
 */
export async function saveDictionaryRun(
  out: string,
  spec: DictionarySpec,
  params: DictionaryParams,
  density: number[],
  metadata: ExtraMetadata = {},
): Promise<void> {
  const cfg = runSaelensCfg(spec, metadata);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, SAELENS_WEIGHTS_FILENAME), writeSaelensWeights(params, spec));
  await writeFile(join(out, SAELENS_CFG_FILENAME), JSON.stringify(cfg, null, 2) + "\n");
  await writeFile(
    join(out, "sparsity.safetensors"),
    writeSafetensors([
      { name: "sparsity", dtype: "F32", shape: [spec.dSae], data: Float32Array.from(density) },
    ]),
  );
}
