import type { NormalizeActivations } from "../engine/dictionary/spec.ts";
import type { DictionaryPlan } from "../engine/stream/streamSession.ts";
import type { SweepMember } from "../engine/stream/sweep.ts";
import type { ArchitectureOptions } from "../engine/train/architecture.ts";
import type { Schedule } from "../engine/train/schedule.ts";
import { CliError } from "./cliError.ts";

/** What every dictionary of a run shares, before its swept value. */
export interface SweepBase {
  dSae?: number;
  schedule: Schedule;
  normalize: NormalizeActivations;
  applyBDecToInput: boolean;
  deadFeatureWindow: number;
  featureSamplingWindow: number;
  /** A skip connection for every transcoder of the run. */
  skip: boolean;
  architectureOf: (m: SweepMember) => ArchitectureOptions;
}

export interface SweepPlan {
  member: SweepMember;
  plan: DictionaryPlan;
}

/** The StreamSession plans of an expanded sweep: the base settings with each swept value. */
export function buildSweepPlans(members: SweepMember[], base: SweepBase): SweepPlan[] {
  return members.map((member) => {
    const { dSae, lr, l1Coefficient } = member.overrides;
    const width = dSae ?? base.dSae;
    if (width === undefined) throw new CliError("missing --d-sae");
    return {
      member,
      plan: {
        id: member.id,
        kind: member.kind,
        layer: member.layer,
        ...(member.hook ? { hook: member.hook } : {}),
        dSae: width,
        seed: member.seed,
        normalize: base.normalize,
        applyBDecToInput: base.applyBDecToInput,
        schedule: {
          ...base.schedule,
          ...(lr !== undefined ? { lr } : {}),
          ...(l1Coefficient !== undefined ? { l1Coefficient } : {}),
        },
        deadFeatureWindow: base.deadFeatureWindow,
        featureSamplingWindow: base.featureSamplingWindow,
        architecture: base.architectureOf(member),
        skip: base.skip && member.kind === "transcoder",
      },
    };
  });
}
