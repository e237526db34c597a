/**
 * `npm run train -- --synthetic PRESET|CONFIG.json ...`: every dictionary of the run on one
 * synthetic stream (SyntheticStreamSession), live ground-truth metrics every --truth-every
 * steps, the usual SAELens folders, and the final ground-truth metrics as synth-eval measures
 * them from the saved folder (the same evaluation stream, batch and samples).
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DictionaryKind } from "../engine/dictionary/spec.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import {
  liveTruthPoint,
  SyntheticGroundTruth,
  type LiveTruthPoint,
} from "../engine/stream/syntheticGroundTruth.ts";
import { expandSyntheticRun } from "../engine/stream/syntheticMembers.ts";
import { SyntheticStreamSession } from "../engine/stream/syntheticSession.ts";
import type { SyntheticEvalResult } from "../engine/synthetic/metrics.ts";
import { buildSyntheticModelOnDevice } from "../engine/synthetic/gpuOrthogonalizeModel.ts";
import type { SyntheticModel } from "../engine/synthetic/syntheticModel.ts";
import { isSyntheticPresetName } from "../engine/synthetic/syntheticPresets.ts";
import type { TrainingMetrics } from "../engine/train/metrics.ts";
import { writeTruthFolder } from "../node/syntheticTruthFolder.ts";
import { CliError } from "./cliError.ts";
import { progressLine } from "./runOutputs.ts";
import type { TrainResult } from "./runTrain.ts";
import { syntheticConfigFromFlag } from "./synthEvalTruth.ts";
import type { SyntheticFlags } from "./syntheticFlags.ts";
import { syntheticRow, syntheticTable, type SyntheticRow } from "./syntheticSummary.ts";
import type { SweepPlan } from "./sweepPlans.ts";
import type { TrainCommand } from "./trainCommand.ts";
import { checkWidthsFor } from "./trainArchitecture.ts";
import { firstDictionaryResult, saveSessionDictionaries, sessionPlans } from "./trainSessionRun.ts";

export type SyntheticTrainResult = TrainResult & {
  truth: SyntheticEvalResult;
  rows: SyntheticRow[];
};

/** The name a run's dictionaries record as model_name and dataset_path. */
export function syntheticSourceName(source: string): string {
  return isSyntheticPresetName(source) ? `synthetic:${source}` : `synthetic:file:${source}`;
}

/** The run's dictionaries, checked (ids, architectures, widths). */
export function syntheticPlans(cmd: TrainCommand): SweepPlan[] {
  const kinds: DictionaryKind[] = cmd.multi?.kinds ?? [cmd.kind!];
  const plans = sessionPlans(cmd, kinds, (architecture) =>
    expandSyntheticRun({
      kinds,
      architecture,
      ...(cmd.multi?.sweep ? { sweep: cmd.multi.sweep } : {}),
      runSeed: cmd.seed,
    }),
  );
  for (const p of plans) {
    checkWidthsFor({ architecture: p.plan.architecture!, skip: false }, p.plan.dSae);
  }
  return plans;
}

/** One line of metrics.jsonl: a logged step's metrics and, on live-eval steps, ground_truth. */
async function logLine(
  dir: string,
  step: number,
  metrics: TrainingMetrics | undefined,
  truth: LiveTruthPoint | undefined,
): Promise<void> {
  if (!metrics && !truth) return;
  const { feature_density_log10: _density, ...scalars } = metrics ?? { step };
  const line = { ...scalars, ...(truth ? { ground_truth: truth } : {}) };
  await appendFile(join(dir, "metrics.jsonl"), JSON.stringify(line) + "\n");
}

function truthLine(id: string, p: LiveTruthPoint, multi: boolean): string {
  const encoder =
    p.encoder_mcc === undefined
      ? ""
      : `  encoder mcc ${p.encoder_mcc.toFixed(4)} f1 ${p.encoder_f1_score!.toFixed(4)}`;
  return (
    `${multi ? `[${id}] ` : ""}step ${p.step} ground truth: mcc ${p.mcc.toFixed(4)}  ` +
    `f1 ${p.f1_score.toFixed(4)}  l0 ${p.sae_l0.toFixed(2)}${encoder}`
  );
}

export async function runSyntheticTrain(
  cmd: TrainCommand,
  flags: SyntheticFlags,
  device: GPUDevice,
  shaders: ShaderLibrary,
  report: (line: string) => void,
): Promise<SyntheticTrainResult> {
  const plans = syntheticPlans(cmd);
  const multi = cmd.multi !== undefined;
  const config = await syntheticConfigFromFlag(flags.source);
  const transcoder = plans.some((p) => p.member.kind === "transcoder");
  const started = performance.now();
  const model: SyntheticModel = await buildSyntheticModelOnDevice(
    device,
    shaders,
    config,
    transcoder ? { outputDim: config.hidden_dim } : {},
  );
  report(
    `synthetic model ${flags.source}: ${model.numFeatures} features in ${model.hiddenDim} ` +
      `dimensions, built in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (flags.exportTruth !== undefined) {
    const files = await writeTruthFolder(flags.exportTruth, model);
    report(`wrote the ground truth to ${flags.exportTruth}: ${files.join(", ")}`);
  }
  const sourceName = syntheticSourceName(flags.source);
  let session: SyntheticStreamSession;
  try {
    session = await SyntheticStreamSession.create(
      device,
      shaders,
      model,
      plans.map((p) => p.plan),
      { batchSize: cmd.batch, logEvery: cmd.logEvery, sourceName },
    );
  } catch (err) {
    throw new CliError(`--synthetic ${flags.source}: ${(err as Error).message}`);
  }
  const truth = SyntheticGroundTruth.create(device, shaders, model);
  try {
    const dirOf = (id: string) => (multi ? join(cmd.out, id) : cmd.out);
    for (const p of plans) {
      await mkdir(dirOf(p.member.id), { recursive: true });
      await writeFile(join(dirOf(p.member.id), "metrics.jsonl"), "");
    }
    report(
      `training ${plans.map((p) => p.member.id).join(", ")} on one stream of ${flags.source} ` +
        `(${cmd.steps} steps of ${cmd.batch} samples; ground truth every ` +
        `${flags.truthEvery || "-"} steps on ${flags.liveTruthSamples} samples)`,
    );
    const last = new Map<string, TrainingMetrics>();
    const trainStart = performance.now();
    let truthSeconds = 0;
    while (!session.finished) {
      const logged = await session.step();
      const step = session.batchesServed;
      const live =
        flags.truthEvery > 0 && step % flags.truthEvery === 0 && step < cmd.steps
          ? await timed(() =>
              session.evaluateTruth(truth, { samples: flags.liveTruthSamples, training: true }),
            )
          : undefined;
      if (live) truthSeconds += live.seconds;
      for (const d of session.dictionaries) {
        const metrics = logged.find((l) => l.id === d.id)?.metrics;
        const result = live?.value.find((l) => l.id === d.id)?.result;
        const point = result && liveTruthPoint(step, result.metrics);
        await logLine(dirOf(d.id), step, metrics, point);
        if (metrics) {
          last.set(d.id, metrics);
          report(progressLine(metrics, cmd.steps, multi ? `[${d.id}] ` : ""));
        }
        if (point) report(truthLine(d.id, point, multi));
      }
    }
    await device.queue.onSubmittedWorkDone();
    const seconds = (performance.now() - trainStart) / 1000 - truthSeconds;
    const samples = cmd.steps * cmd.batch;
    report(
      `trained ${plans.length} ${plans.length === 1 ? "dictionary" : "dictionaries"} on ` +
        `${samples} samples in ${seconds.toFixed(1)} s: ${(samples / seconds).toFixed(0)} ` +
        `samples/s (live ground truth: ${truthSeconds.toFixed(1)} s more)`,
    );
    const exported = await saveSessionDictionaries(session, plans, dirOf);
    report(`final ground truth on ${flags.truthSamples} samples of the evaluation stream`);
    const finals = await session.evaluateTruth(truth, {
      samples: flags.truthSamples,
      training: false,
    });
    const rows: SyntheticRow[] = [];
    for (const [i, f] of finals.entries()) {
      const json = { ...f.result.metrics, samples: f.result.samples, source: flags.source };
      await writeFile(join(dirOf(f.id), "ground_truth.json"), JSON.stringify(json, null, 2) + "\n");
      rows.push(syntheticRow(plans[i]!, cmd, last.get(f.id), f.result));
    }
    if (multi) {
      await writeFile(
        join(cmd.out, "synthetic.json"),
        JSON.stringify({ source: flags.source, dictionaries: rows }, null, 2) + "\n",
      );
    }
    report(syntheticTable(rows));
    return { ...firstDictionaryResult(session, exported), truth: finals[0]!.result.metrics, rows };
  } finally {
    truth.destroy();
    session.destroy();
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - t) / 1000 };
}
