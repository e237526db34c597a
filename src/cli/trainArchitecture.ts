import type {
  DictionaryKind,
  DictionaryParams,
  DictionarySpec,
} from "../engine/dictionary/spec.ts";
import { activationOf } from "../engine/dictionary/spec.ts";
import {
  architectureOptions,
  exportedActivation,
  initialParams,
  selectsOverBatch,
  type ArchitectureName,
  type ArchitectureOptions,
} from "../engine/train/architecture.ts";
import { matryoshkaWidthsProblem } from "../engine/dictionary/matryoshkaWidths.ts";
import { foldNormalization } from "../engine/train/normalization.ts";
import type { SaelensDictionary } from "../node/saelensFolder.ts";
import { checkFlagsFor, type ArchitectureFlags } from "./architectureFlags.ts";
import { CliError } from "./cliError.ts";

/** What a run trains: the architecture with its hyperparameters, and the skip connection. */
export interface RunArchitecture {
  architecture: ArchitectureOptions;
  skip: boolean;
}

/** The architecture a folder's dictionary continues as, with --architecture absent. */
function folderArchitecture(spec: DictionarySpec): ArchitectureName {
  const act = activationOf(spec).kind;
  return act === "relu" ? "standard" : act;
}

/**
 * The flags' architecture, else the --init folder's, else standard. A folder starts a run of the
 * architecture it was saved from: ReLU standard, TopK topk (its k unless --k says otherwise),
 * JumpReLU jumprelu, or (matryoshka_)batchtopk when its thresholds are one τ.
 */
export function resolveArchitecture(
  flags: ArchitectureFlags,
  kind: DictionaryKind,
  init?: SaelensDictionary,
  initDir?: string,
): RunArchitecture {
  const name = flags.architecture ?? (init ? folderArchitecture(init.spec) : "standard");
  checkFlagsFor(flags, name);
  const act = init ? activationOf(init.spec) : undefined;
  if (init && act) {
    const threshold = init.params.threshold;
    const oneTau = threshold !== undefined && threshold.every((t) => t === threshold[0]);
    const fits =
      exportedActivation(architectureOptions({ architecture: name })).kind === act.kind &&
      (!selectsOverBatch({ architecture: name }) || oneTau);
    if (!fits) {
      throw new CliError(
        `--init ${initDir}: a ${act.kind} dictionary` +
          (act.kind === "jumprelu" && selectsOverBatch({ architecture: name })
            ? " with per-latent thresholds"
            : "") +
          ` cannot start a ${name} run`,
      );
    }
  }
  const folderK = act?.kind === "topk" ? { k: act.k } : {};
  const skip = flags.skip || init?.spec.skip === true;
  if (skip && kind !== "transcoder") throw new CliError("--skip is for a transcoder");
  return {
    architecture: architectureOptions({ architecture: name, ...folderK, ...flags.options }),
    skip,
  };
}

/** Refuses --matryoshka-widths whose last width is not the run's d_sae. */
export function checkWidthsFor(run: RunArchitecture, dSae: number): void {
  const a = run.architecture;
  if (a.architecture !== "matryoshka_batchtopk" || a.matryoshkaWidths.length === 0) return;
  const problem = matryoshkaWidthsProblem(a.matryoshkaWidths, dSae);
  if (problem !== undefined) {
    throw new CliError(`--matryoshka-widths ${a.matryoshkaWidths.join(",")}: ${problem}`);
  }
}

/** The spec as the run saves it: the architecture's exported activation, the skip flag. */
export function withArchitecture(spec: DictionarySpec, run: RunArchitecture): DictionarySpec {
  const act = exportedActivation(run.architecture);
  const { activation: _previous, skip: _skip, ...rest } = spec;
  return {
    ...rest,
    ...(act.kind === "relu" ? {} : { activation: act }),
    ...(run.skip ? { skip: true } : {}),
  };
}

/**
 * The first training weights, in the normalised space: a fresh initialisation, or the --init
 * folder's weights (raw-activation space) with W_skip = 0 when it had none.
 */
export function startParams(
  spec: DictionarySpec,
  run: RunArchitecture,
  seed: number,
  init: DictionaryParams | undefined,
  sIn: number,
  sOut: number,
): DictionaryParams {
  if (!init) return initialParams(spec, run.architecture, seed);
  const p = foldNormalization(init, 1 / sIn, 1 / sOut);
  if (run.skip && !p.wSkip) p.wSkip = new Float32Array(spec.dOut * spec.dIn);
  return p;
}
