/**
 * The truth synth-eval scores against: a synthetic model built from `--synthetic PRESET|
 * CONFIG.json`, or a folder exported by exportTruth.ts (`--truth DIR`). A folder with
 * samples.safetensors is used as it is (its vectors, its samples: nothing regenerated); without
 * samples its config is rebuilt to sample from, and the rebuilt vectors must be the folder's.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openSafetensors, type SafetensorsFile } from "../engine/formats/safetensors.ts";
import { TRUTH_FILES } from "../engine/synthetic/exportTruth.ts";
import type { HostSamples } from "../engine/synthetic/metricsSources.ts";
import type { SyntheticTruth } from "../engine/synthetic/metricsRun.ts";
import {
  parseSyntheticModelConfig,
  type SyntheticModelConfig,
} from "../engine/synthetic/syntheticConfig.ts";
import { buildSyntheticModel, type SyntheticModel } from "../engine/synthetic/syntheticModel.ts";
import {
  isSyntheticPresetName,
  SYNTHETIC_PRESETS,
  syntheticPreset,
} from "../engine/synthetic/syntheticPresets.ts";
import { openFileByteSource } from "../node/fileByteSource.ts";
import { CliError } from "./cliError.ts";

/** Largest |Δ| allowed between a folder's vectors and those its config rebuilds. */
const REBUILD_TOLERANCE = 1e-5;

export async function syntheticConfigFromFlag(arg: string): Promise<SyntheticModelConfig> {
  if (isSyntheticPresetName(arg)) return syntheticPreset(arg);
  let text: string;
  try {
    text = await readFile(arg, "utf8");
  } catch {
    throw new CliError(
      `--synthetic ${arg}: neither a preset (${Object.keys(SYNTHETIC_PRESETS).join(", ")}) ` +
        "nor a readable config file",
    );
  }
  return parseConfigText(text, arg, "--synthetic");
}

function parseConfigText(text: string, file: string, flag: string): SyntheticModelConfig {
  try {
    return parseSyntheticModelConfig(JSON.parse(text), file);
  } catch (e) {
    throw new CliError(`${flag} ${file}: ${(e as Error).message}`);
  }
}

async function withSafetensors<T>(path: string, read: (f: SafetensorsFile) => Promise<T>) {
  const src = await openFileByteSource(path);
  try {
    return await read(await openSafetensors(src));
  } finally {
    await src.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

export interface TruthFolder {
  config: SyntheticModelConfig;
  truth: SyntheticTruth;
  /** The folder's samples, when it has them. */
  samples?: HostSamples & { y: Float32Array | null };
  /** Without samples: the model rebuilt from the folder's config, to sample from. */
  model?: SyntheticModel;
}

/** Reads a truth folder; `transcoder` asks for its output vectors (and y samples). */
export async function readTruthFolder(dir: string, transcoder: boolean): Promise<TruthFolder> {
  const configPath = join(dir, TRUTH_FILES.config);
  const text = await readFile(configPath, "utf8").catch(() => {
    throw new CliError(
      `--truth ${dir}: no ${TRUTH_FILES.config}; expected a folder of exported truth`,
    );
  });
  const config = parseConfigText(text, configPath, "--truth");
  const n = config.num_features;
  const d = config.hidden_dim;
  const modelPath = join(dir, TRUTH_FILES.model);
  const input = await withSafetensors(modelPath, async (f) => {
    f.expectShape("feature_vectors", [n, d], "[num_features, hidden_dim]");
    f.expectShape("bias", [d], "[hidden_dim]");
    return { dim: d, vectors: await f.readF32("feature_vectors"), bias: await f.readF32("bias") };
  }).catch(wrap(dir));
  const output = transcoder
    ? await withSafetensors(join(dir, TRUTH_FILES.truth), async (f) => {
        if (!f.has("output_feature_vectors")) {
          throw new CliError(
            `--truth ${dir}: ${TRUTH_FILES.truth} has no output_feature_vectors; a transcoder ` +
              "needs the transcoder variant's truth",
          );
        }
        const [, dOut] = f.expectShape(
          "output_feature_vectors",
          [n, null],
          "[num_features, d_out]",
        );
        return {
          dim: dOut!,
          vectors: await f.readF32("output_feature_vectors"),
          bias: await f.readF32("output_bias"),
        };
      }).catch(wrap(dir))
    : null;
  const truth: SyntheticTruth = { numFeatures: n, input, output };
  const samplesPath = join(dir, TRUTH_FILES.samples);
  if (await exists(samplesPath)) {
    const samples = await readSamples(samplesPath, n, d, output?.dim).catch(wrap(dir));
    return { config, truth, samples };
  }
  const model = buildSyntheticModel(config, output ? { outputDim: output.dim } : {});
  checkRebuilt(dir, "feature_vectors", model.input.vectors, input.vectors);
  if (output && model.output) {
    checkRebuilt(dir, "output_feature_vectors", model.output.vectors, output.vectors);
  }
  return { config, truth, model };
}

function wrap(dir: string) {
  return (e: unknown): never => {
    if (e instanceof CliError) throw e;
    throw new CliError(`--truth ${dir}: ${(e as Error).message}`);
  };
}

async function readSamples(path: string, n: number, d: number, dOut: number | undefined) {
  return withSafetensors(path, async (f) => {
    const [count] = f.expectShape("feature_activations", [null, n], "[samples, num_features]");
    f.expectShape("hidden_activations", [count!, d], "[samples, hidden_dim]");
    let y: Float32Array | null = null;
    if (dOut !== undefined) {
      if (!f.has("output_activations")) {
        throw new Error(`${path}: no output_activations; a transcoder is scored against y`);
      }
      f.expectShape("output_activations", [count!, dOut], "[samples, d_out]");
      y = await f.readF32("output_activations");
    }
    const x = await f.readF32("hidden_activations");
    return {
      count: count!,
      featureActs: await f.readF32("feature_activations"),
      x,
      y,
      target: y ?? x,
    };
  });
}

function checkRebuilt(dir: string, name: string, rebuilt: Float32Array, saved: Float32Array) {
  let worst = 0;
  for (let i = 0; i < saved.length; i++) worst = Math.max(worst, Math.abs(rebuilt[i]! - saved[i]!));
  if (!(worst <= REBUILD_TOLERANCE)) {
    throw new CliError(
      `--truth ${dir}: its config rebuilds ${name} up to ${worst.toExponential(2)} away from the ` +
        `saved ones (allowed ${REBUILD_TOLERANCE}): exported by another version? Export it with ` +
        "samples to evaluate without rebuilding",
    );
  }
}
