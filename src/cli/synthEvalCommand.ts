/**
 * npm run synth-eval: a dictionary's ground-truth metrics on a synthetic model (SAELens's
 * eval_sae_on_synthetic_data): parsing, loading, running, and the printed table.
 */
import { describeRecognized, recognize } from "../engine/formats/recognize/index.ts";
import { withNormScale } from "../engine/formats/recognize/finishLoad.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { GpuSyntheticSampler } from "../engine/synthetic/gpuSyntheticSampler.ts";
import type { RecoveryMetrics, SyntheticEvalResult } from "../engine/synthetic/metrics.ts";
import {
  evaluateOnSynthetic,
  truthMismatch,
  type SyntheticRunResult,
  type SyntheticTruth,
} from "../engine/synthetic/metricsRun.ts";
import {
  evalStreamSeed,
  hostSource,
  samplerSource,
  type EvalSampleSource,
} from "../engine/synthetic/metricsSources.ts";
import { buildSyntheticModelOnDevice } from "../engine/synthetic/gpuOrthogonalizeModel.ts";
import type { SyntheticModel } from "../engine/synthetic/syntheticModel.ts";
import { openOnePathSet } from "../node/zipPathSets.ts";
import { CliError } from "./cliError.ts";
import { DICT_CLASS_OPTION, recognizeOptionsFrom } from "./dictClassFlag.ts";
import { intFlag, numberFlag, parseCommandFlags, stringFlag } from "./flags.ts";
import { readTruthFolder, syntheticConfigFromFlag } from "./synthEvalTruth.ts";

/** eval_sae_on_synthetic_data's num_samples default. */
export const DEFAULT_SAMPLES = 100_000;
const DEFAULT_BATCH = 1024;
/** Bytes of one batch's true activations read back at most. */
const MAX_BATCH_BYTES = 64 * 2 ** 20;

export const USAGE =
  "usage: npm run synth-eval -- --dict DIR (--synthetic PRESET|CONFIG.json | --truth DIR) " +
  "[--samples N] [--batch N] [--json]";

export const HELP = `${USAGE}

Scores a dictionary against the known features of a synthetic model, with SAELens's
eval_sae_on_synthetic_data definitions: mcc (Hungarian one-to-one matching of decoder rows to
true feature vectors by |cos|, then the mean), uniqueness, classification precision / recall /
f1_score / accuracy (each latent a detector of its best-matching feature), explained_variance,
shrinkage, sae_l0, true_l0, dead_latents. A transcoder is scored on both sides: the decoder
against the output vectors v (the fields above) and the encoder against the input vectors u
(encoder.*); its reconstruction against y.

  --dict DIR            a dictionary (SAELens folder, or any format npm run convert reads)
  --synthetic P|FILE    a preset (tiny, small-2k, synthsaebench-16k) or a SAELens
                        synthetic_model_config.json; a transcoder gets the transcoder variant
                        with output vectors of its d_out
  --truth DIR           a folder written by --export-truth: its vectors, and its samples
                        when it has samples.safetensors (else its config is rebuilt)
  --samples N           samples (default ${DEFAULT_SAMPLES.toLocaleString("en")}, as SAELens;
                        a truth folder's samples cap it)
  --batch N             samples per GPU batch (default ${DEFAULT_BATCH}, less for wide models)
  --norm-scaling-factor S
                        the constant an expected_average_only_in dictionary was trained with
  --json                print the metrics as JSON (SAELens's field names)

Samples are drawn from the model's own stream keyed by seed XOR 0x65766131, not the training
stream. The dictionary runs as saved (a BatchTopK dictionary as its JumpReLU inference form).`;

export interface SynthEvalCommand {
  dict: string;
  synthetic?: string;
  truth?: string;
  samples: number;
  batch?: number;
  normScale?: number;
  json: boolean;
  dictOptions: Record<string, unknown>;
}

export function parseSynthEvalCommand(argv: string[]): SynthEvalCommand | undefined {
  const str = { type: "string" } as const;
  const v = parseCommandFlags(
    argv,
    {
      dict: str,
      synthetic: str,
      truth: str,
      samples: str,
      batch: str,
      "norm-scaling-factor": str,
      json: { type: "boolean" },
      ...DICT_CLASS_OPTION,
    },
    USAGE,
    HELP,
  );
  if (!v) return undefined;
  const synthetic = v.synthetic as string | undefined;
  const truth = v.truth as string | undefined;
  if ((synthetic === undefined) === (truth === undefined)) {
    throw new CliError(`give one of --synthetic and --truth (${USAGE})`);
  }
  return {
    dict: stringFlag(v, "dict"),
    synthetic,
    truth,
    samples: intFlag(v, "samples", DEFAULT_SAMPLES),
    batch: v.batch === undefined ? undefined : intFlag(v, "batch", undefined),
    normScale:
      v["norm-scaling-factor"] === undefined
        ? undefined
        : numberFlag(v, "norm-scaling-factor", undefined, { positive: true }),
    json: v.json === true,
    dictOptions: v,
  };
}

async function loadDictionary(cmd: SynthEvalCommand) {
  const set = await openOnePathSet(cmd.dict);
  try {
    const recognized = await recognize(set, recognizeOptionsFrom(cmd.dictOptions));
    if (recognized.kind !== "dictionary") {
      throw new CliError(
        `--dict ${cmd.dict}: ${describeRecognized(recognized)}; expected a dictionary`,
      );
    }
    try {
      return withNormScale(await recognized.load(), cmd.normScale);
    } catch (e) {
      if (e instanceof Error && e.name === "NeedsNormScale") {
        throw new CliError(`--dict ${cmd.dict}: ${e.message}: --norm-scaling-factor S`);
      }
      throw e;
    }
  } finally {
    await set.close();
  }
}

/** The batch: the asked one, or the default cut so one batch's activations stay under 64 MiB. */
function batchSize(cmd: SynthEvalCommand, numFeatures: number): number {
  return (
    cmd.batch ??
    Math.max(1, Math.min(DEFAULT_BATCH, Math.floor(MAX_BATCH_BYTES / (numFeatures * 4))))
  );
}

export interface SynthEvalOutput extends SyntheticRunResult {
  source: string;
  numFeatures: number;
}

export async function runSynthEval(
  cmd: SynthEvalCommand,
  device: GPUDevice,
  shaders: ShaderLibrary,
  onProgress?: (done: number, total: number) => void,
): Promise<SynthEvalOutput> {
  const dict = await loadDictionary(cmd);
  const transcoder = dict.spec.kind === "transcoder";
  let truth: SyntheticTruth;
  let model: SyntheticModel | undefined;
  let source: EvalSampleSource;
  let sampler: GpuSyntheticSampler | undefined;
  let label: string;
  let batch: number;
  if (cmd.truth !== undefined) {
    const folder = await readTruthFolder(cmd.truth, transcoder);
    truth = folder.truth;
    batch = batchSize(cmd, truth.numFeatures);
    checkFits(cmd, dict.spec, truth);
    if (folder.samples) {
      source = hostSource(device, folder.samples, {
        numFeatures: truth.numFeatures,
        inputDim: truth.input.dim,
        targetDim: dict.spec.dOut,
        batch,
      });
      label = `${cmd.truth} (its ${folder.samples.count} samples)`;
    } else {
      model = folder.model!;
      label = `${cmd.truth} (rebuilt from its config)`;
    }
  } else {
    const config = await syntheticConfigFromFlag(cmd.synthetic!);
    model = await buildSyntheticModelOnDevice(
      device,
      shaders,
      config,
      transcoder ? { outputDim: dict.spec.dOut } : {},
    );
    truth = { numFeatures: model.numFeatures, input: model.input, output: model.output };
    batch = batchSize(cmd, truth.numFeatures);
    checkFits(cmd, dict.spec, truth);
    label = cmd.synthetic!;
  }
  if (model) {
    sampler = GpuSyntheticSampler.create(device, shaders, model, {
      batch,
      streamSeed: evalStreamSeed(model.config.seed ?? 0),
    });
    source = samplerSource(device, sampler, {
      numFeatures: model.numFeatures,
      targetDim: dict.spec.dOut,
      transcoder,
    });
  }
  try {
    const run = await evaluateOnSynthetic(device, shaders, dict, truth, source!, {
      samples: cmd.samples,
      batch,
      onProgress,
    });
    return { ...run, source: label, numFeatures: truth.numFeatures };
  } finally {
    source!.destroy();
    sampler?.destroy();
  }
}

function checkFits(
  cmd: SynthEvalCommand,
  spec: Parameters<typeof truthMismatch>[0],
  truth: SyntheticTruth,
) {
  const mismatch = truthMismatch(spec, truth);
  const against = cmd.truth !== undefined ? `--truth ${cmd.truth}` : `--synthetic ${cmd.synthetic}`;
  if (mismatch) throw new CliError(`--dict ${cmd.dict} against ${against}: ${mismatch}`);
}

/** The metrics as JSON, SAELens's to_dict() fields (and `encoder` for a transcoder). */
export function synthEvalJson(out: SynthEvalOutput): string {
  return JSON.stringify({ ...out.metrics, samples: out.samples, source: out.source }, null, 2);
}

const f4 = (x: number) => x.toFixed(4);

function recoveryLines(m: RecoveryMetrics, prefix: string): string[] {
  const c = m.classification;
  return [
    `${prefix}mcc                 ${f4(m.mcc)}`,
    `${prefix}uniqueness          ${f4(m.uniqueness)}`,
    `${prefix}f1_score            ${f4(c.f1_score)}   precision ${f4(c.precision)}  recall ${f4(c.recall)}  accuracy ${f4(c.accuracy)}`,
  ];
}

export function synthEvalTable(out: SynthEvalOutput, dictLabel: string): string {
  const m: SyntheticEvalResult = out.metrics;
  const lines = [
    `${dictLabel} on ${out.source}: ${out.numFeatures.toLocaleString("en")} features, ` +
      `${out.samples.toLocaleString("en")} samples`,
    ...recoveryLines(m, m.encoder ? "decoder " : ""),
    ...(m.encoder ? recoveryLines(m.encoder, "encoder ") : []),
    `explained_variance  ${f4(m.explained_variance)}`,
    `shrinkage           ${f4(m.shrinkage)}`,
    `sae_l0              ${m.sae_l0.toFixed(2)}   true_l0 ${m.true_l0.toFixed(2)}`,
    `dead_latents        ${m.dead_latents}`,
  ];
  return lines.join("\n");
}
