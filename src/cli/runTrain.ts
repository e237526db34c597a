import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { openSafetensors, type SafetensorsFile } from "../engine/formats/safetensors.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { ActivationFile } from "../engine/train/activationFile.ts";
import { GpuDictionary } from "../engine/train/gpuDictionary.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import type { DictionaryEvaluation } from "../engine/stream/streamSession.ts";
import { NormScaleEstimator } from "../engine/train/normalization.ts";
import { DictionaryTrainer } from "../engine/train/trainer.ts";
import { openFileByteSource } from "../node/fileByteSource.ts";
import { loadSaelensFolder } from "../node/saelensFolder.ts";
import { progressLine, saveDictionaryRun, startMetricsLog } from "./runOutputs.ts";
import { CliError } from "./cliError.ts";
import { runStreamTrain } from "./runStreamTrain.ts";
import { runSyntheticTrain } from "./syntheticTrain.ts";
import { scheduleOf, type TrainCommand } from "./trainCommand.ts";
import {
  checkWidthsFor,
  resolveArchitecture,
  startParams,
  withArchitecture,
} from "./trainArchitecture.ts";

/** Batches used to estimate the normalization scale (SAELens uses up to 1000). */
const NORM_ESTIMATE_BATCHES = 100;

export interface TrainResult {
  spec: DictionarySpec;
  params: DictionaryParams;
  metrics: TrainingMetrics[];
  sIn: number;
  sOut: number;
  /** Training on a model's stream: spliced-in metrics on the held-out slice. */
  eval?: DictionaryEvaluation;
}

/** `npm run train`, minus argument parsing: reads, checks, trains, writes DIR. */
export async function runTrain(
  cmd: TrainCommand,
  device: GPUDevice,
  shaders: ShaderLibrary,
  report: (line: string) => void = () => {},
): Promise<TrainResult> {
  if (cmd.stream) return runStreamTrain(cmd, cmd.stream, device, shaders, report);
  if (cmd.synthetic) return runSyntheticTrain(cmd, cmd.synthetic, device, shaders, report);
  const source = await openFileByteSource(cmd.data!);
  try {
    const file = await openSafetensors(source);
    const init = cmd.init === undefined ? undefined : await loadSaelensFolder(cmd.init);
    if (init && cmd.kind !== undefined && cmd.kind !== init.spec.kind) {
      throw new CliError(
        `--init ${cmd.init}: cfg.json is a ${init.spec.kind} but --kind is ${cmd.kind}`,
      );
    }
    const kind = cmd.kind ?? init!.spec.kind;
    const run = resolveArchitecture(cmd.arch, kind, init, cmd.init);
    const acts = ActivationFile.open(file, kind);
    const spec = withArchitecture(
      init ? checkInit(cmd, init.spec, acts) : freshSpec(cmd, kind, acts, file),
      run,
    );
    checkWidthsFor(run, spec.dSae);
    await acts.assertFinite();

    let sIn = 1;
    let sOut = 1;
    if (cmd.normalize === "expected_average_only_in") {
      ({ sIn, sOut } = await estimateScales(acts, cmd.batch));
      report(`normalization: s_in=${sIn.toPrecision(6)} s_out=${sOut.toPrecision(6)}`);
    }
    const gpu = new GpuDictionary(device, shaders, spec, cmd.batch, run.architecture);
    const { count, rows } = gpu.microBatching;
    if (count > 1) {
      report(
        `each step runs as ${count} micro-batches of ${rows} rows (the adapter's binding size)`,
      );
    }
    try {
      gpu.setParams(startParams(spec, run, cmd.seed, init?.params, sIn, sOut));
      gpu.resetOptimizer();
      const trainer = new DictionaryTrainer(gpu, {
        schedule: scheduleOf(cmd),
        logEvery: cmd.logEvery,
        deadFeatureWindow: cmd.deadFeatureWindow,
        densityWindow: cmd.featureSamplingWindow,
        sIn,
        sOut,
      });
      const log = await startMetricsLog(cmd.out);
      const metrics: TrainingMetrics[] = [];
      for (const line of dataUseLines(acts, cmd)) report(line);
      for (let i = 0; i < cmd.steps; i++) {
        const batch = cmd.shuffle
          ? await acts.shuffledBatch(i, cmd.batch, cmd.seed)
          : await acts.batch(i, cmd.batch);
        const m = await trainer.step(batch.x, batch.y);
        if (!m) continue;
        metrics.push(m);
        await log(m);
        report(progressLine(m, cmd.steps));
      }
      const params = await trainer.exportParams();
      await saveDictionaryRun(cmd.out, spec, params, await trainer.readFeatureDensity());
      return { spec, params, metrics, sIn, sOut };
    } finally {
      gpu.destroy();
    }
  } finally {
    await source.close();
  }
}

/**
 * Said before the first step: how the run reads the file (a batch larger than the file repeats
 * rows; many steps pass over it many times) and when the first metrics come.
 */
export function dataUseLines(
  acts: Pick<ActivationFile, "rows">,
  cmd: Pick<TrainCommand, "data" | "batch" | "steps" | "logEvery" | "shuffle">,
): string[] {
  const read = cmd.steps * cmd.batch;
  const passes = read / acts.rows;
  const lines = [
    `data: ${cmd.data} has ${acts.rows} rows; ${cmd.steps} steps of ${cmd.batch} read ${read} ` +
      `rows (${passes < 10 ? passes.toPrecision(2) : Math.round(passes)} passes over the file, ` +
      `${cmd.shuffle ? "shuffled" : "in file order, wrapping around"})`,
  ];
  if (cmd.batch > acts.rows) {
    lines.push(
      `warning: --batch ${cmd.batch} is larger than the file's ${acts.rows} rows: every batch ` +
        "holds some rows more than once",
    );
  }
  lines.push(
    `training ${cmd.steps} steps; metrics every ${cmd.logEvery} steps ` +
      `(the first at step ${Math.min(cmd.logEvery, cmd.steps)})`,
  );
  return lines;
}

function freshSpec(
  cmd: TrainCommand,
  kind: DictionarySpec["kind"],
  acts: ActivationFile,
  file: SafetensorsFile,
): DictionarySpec {
  const meta = file.metadata;
  const hookName = cmd.hookName ?? meta.hook_name ?? "unknown";
  return {
    kind,
    dIn: acts.dIn,
    dSae: cmd.dSae!,
    dOut: acts.dOut,
    applyBDecToInput: kind === "sae" && cmd.applyBDecToInput,
    hookName,
    hookNameOut: kind === "sae" ? hookName : (cmd.hookNameOut ?? meta.hook_name_out ?? "unknown"),
    modelName: cmd.modelName ?? meta.model_name ?? "unknown",
    normalizeActivations: cmd.normalize,
    datasetPath: cmd.data,
  };
}

function checkInit(cmd: TrainCommand, init: DictionarySpec, acts: ActivationFile): DictionarySpec {
  const where = `--init ${cmd.init}`;
  const data = acts.file.name;
  if (init.dIn !== acts.dIn) {
    throw new CliError(
      `${where}: cfg.json has d_in ${init.dIn} but ${data} tensor "x" has ${acts.dIn} columns`,
    );
  }
  if (init.kind === "transcoder" && init.dOut !== acts.dOut) {
    throw new CliError(
      `${where}: cfg.json has d_out ${init.dOut} but ${data} tensor "y" has ${acts.dOut} columns`,
    );
  }
  if (cmd.dSae !== undefined && cmd.dSae !== init.dSae) {
    throw new CliError(`${where}: cfg.json has d_sae ${init.dSae} but --d-sae is ${cmd.dSae}`);
  }
  return { ...init, normalizeActivations: cmd.normalize };
}

async function estimateScales(acts: ActivationFile, batch: number) {
  const rows = Math.min(acts.rows, NORM_ESTIMATE_BATCHES * batch);
  const x = new NormScaleEstimator(acts.dIn);
  const y = new NormScaleEstimator(acts.dOut);
  const chunk = 4096;
  for (let start = 0; start < rows; start += chunk) {
    const n = Math.min(chunk, rows - start);
    x.add(await acts.file.readF32("x", start, n), n);
    if (acts.kind === "transcoder") y.add(await acts.file.readF32("y", start, n), n);
  }
  return { sIn: x.scale, sOut: acts.kind === "transcoder" ? y.scale : x.scale };
}
