/**
 * What `npm run train` does alike for every run of several dictionaries on one session, on a
 * model's stream (sweepTrain.ts) or a synthetic one (syntheticTrain.ts): the plans from the
 * flags, and the saved folders and result of the trained dictionaries.
 */
import type { DictionaryKind } from "../engine/dictionary/spec.ts";
import type { DictionarySession, ExportedDictionary } from "../engine/stream/dictionarySession.ts";
import type { SweepMember } from "../engine/stream/sweep.ts";
import {
  architectureOptions,
  type ArchitectureName,
  type ArchitectureOptions,
} from "../engine/train/architecture.ts";
import { checkFlagsFor } from "./architectureFlags.ts";
import { CliError } from "./cliError.ts";
import { saveDictionaryRun } from "./runOutputs.ts";
import type { TrainResult } from "./runTrain.ts";
import { buildSweepPlans, type SweepPlan } from "./sweepPlans.ts";
import { scheduleOf, type TrainCommand } from "./trainCommand.ts";

/**
 * The plans of the run's dictionaries: `expand` lists them from the run's base architecture,
 * each with the command's settings and then its swept value.
 */
export function sessionPlans(
  cmd: TrainCommand,
  kinds: readonly DictionaryKind[],
  expand: (architecture: ArchitectureName) => SweepMember[],
): SweepPlan[] {
  const architecture = baseArchitecture(cmd);
  if (cmd.arch.skip && !kinds.includes("transcoder")) {
    throw new CliError("--skip is for a transcoder");
  }
  let members: SweepMember[];
  try {
    members = expand(architecture);
  } catch (err) {
    throw new CliError(`--sweep: ${(err as Error).message}`);
  }
  return buildSweepPlans(members, {
    dSae: cmd.dSae,
    schedule: scheduleOf(cmd),
    normalize: cmd.normalize,
    applyBDecToInput: cmd.applyBDecToInput,
    deadFeatureWindow: cmd.deadFeatureWindow,
    featureSamplingWindow: cmd.featureSamplingWindow,
    skip: cmd.arch.skip,
    architectureOf: (m) => memberArchitecture(cmd, m),
  });
}

/**
 * The run's base architecture, with the flags checked against what reads them: each flag must
 * be read by at least one swept architecture (each dictionary reads its own).
 */
function baseArchitecture(cmd: TrainCommand): ArchitectureName {
  const sweep = cmd.multi?.sweep;
  if (sweep?.setting !== "architecture") {
    const name = cmd.arch.architecture ?? "standard";
    checkFlagsFor(cmd.arch, name);
    return name;
  }
  const swept = sweep.values as ArchitectureName[];
  for (const flag of cmd.arch.given) {
    const alone = { ...cmd.arch, given: [flag] };
    if (!swept.some((a) => readsFlags(alone, a))) checkFlagsFor(alone, swept[0]!);
  }
  return swept[0]!;
}

function readsFlags(flags: TrainCommand["arch"], a: ArchitectureName): boolean {
  try {
    checkFlagsFor(flags, a);
    return true;
  } catch {
    return false;
  }
}

/** A dictionary's architecture options: the flags', then its swept value. */
function memberArchitecture(cmd: TrainCommand, m: SweepMember): ArchitectureOptions {
  const { k, l0Coefficient } = m.overrides;
  return architectureOptions({
    ...cmd.arch.options,
    architecture: m.architecture,
    ...(k !== undefined ? { k } : {}),
    ...(l0Coefficient !== undefined ? { l0Coefficient } : {}),
  });
}

/** Writes each trained dictionary's SAELens folder (with its feature density) to `dirOf(id)`. */
export async function saveSessionDictionaries(
  session: DictionarySession,
  plans: readonly SweepPlan[],
  dirOf: (id: string) => string,
): Promise<ExportedDictionary[]> {
  const exported = await session.export();
  for (const [i, d] of session.dictionaries.entries()) {
    await saveDictionaryRun(
      dirOf(d.id),
      d.spec,
      exported[i]!.params,
      await d.trainer.readFeatureDensity(),
      { seed: plans[i]!.plan.seed },
    );
  }
  return exported;
}

/** The run's result as a single dictionary's: its first dictionary. */
export function firstDictionaryResult(
  session: DictionarySession,
  exported: readonly ExportedDictionary[],
): TrainResult {
  const first = session.dictionaries[0]!;
  return {
    spec: first.spec,
    params: exported[0]!.params,
    metrics: [],
    sIn: first.trainer.options.sIn,
    sOut: first.trainer.options.sOut,
  };
}
