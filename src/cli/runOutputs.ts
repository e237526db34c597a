import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  activationOf,
  type DictionaryParams,
  type DictionarySpec,
} from "../engine/dictionary/spec.ts";
import {
  SAELENS_CFG_FILENAME,
  SAELENS_WEIGHTS_FILENAME,
  toSaelensCfg,
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

/** Why a TopK transcoder's folder says topk_transcoder (kept in its cfg.json's metadata). */
export const TOPK_TRANSCODER_NOTE =
  "SAELens 6 has no TopK transcoder: this folder is laid out like SAELens's (decoder norms " +
  "folded in, k in cfg.json) under the name the playground and its references use, " +
  "topk_transcoder; npm run eval and the playground load it, SAELens does not.";

/**
 * The SAELens folder (cfg.json, sae_weights.safetensors) plus sparsity.safetensors (log10
 * feature density). A TopK transcoder, which SAELens 6 cannot express, is written the same way
 * under the architecture name "topk_transcoder" with TOPK_TRANSCODER_NOTE: one folder format
 * for every run, which our loaders read back.
 */
export async function saveDictionaryRun(
  out: string,
  spec: DictionarySpec,
  params: DictionaryParams,
  density: number[],
): Promise<void> {
  const topkTranscoder = spec.kind === "transcoder" && activationOf(spec).kind === "topk";
  const cfg = toSaelensCfg(spec, topkTranscoder ? { note: TOPK_TRANSCODER_NOTE } : {}, {
    topkTranscoder,
  });
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
