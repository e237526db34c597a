import type { DictionaryKind } from "../engine/dictionary/spec.ts";
import {
  ARCHITECTURE_NAMES,
  type ArchitectureName,
  type ArchitectureOptions,
} from "../engine/train/architecture.ts";
import {
  matryoshkaWidthsProblem,
  parseMatryoshkaWidths,
} from "../engine/dictionary/matryoshkaWidths.ts";
import { CliError } from "./cliError.ts";
import { choiceFlag, numberFlag, stringFlag } from "./flags.ts";

export const ARCHITECTURE_HELP = `  --architecture A       standard (ReLU + L1, default), topk, batchtopk, matryoshka_batchtopk or
                         jumprelu (SAELens's training architectures; default: the --init
                         folder's)
  --k K                  topk: latents per row (an integer <= 256); batchtopk and
                         matryoshka_batchtopk: per row on average, int(k * batch) per batch
                         (default 100)
  --matryoshka-widths W1,W2,...
                         matryoshka_batchtopk: the nested prefixes, strictly increasing, the
                         last = d_sae (default d_sae/8,d_sae/4,d_sae/2,d_sae; SAELens has none)
  --skip                 transcoder: a skip connection y^ += x @ W_skip^T (W_skip starts at 0)
  --aux-k-coefficient C  topk, batchtopk, matryoshka_batchtopk: weight of the AuxK loss on dead latents (default 1)
  --no-rescale-acts-by-decoder-norm
                         topk, (matryoshka_)batchtopk: select on pre, not pre * ||W_dec row||
  --topk-threshold-lr R  (matryoshka_)batchtopk: rate of the running threshold saved as the JumpReLU
                         threshold (default 0.01)
  --l0-coefficient C     jumprelu: L0 coefficient (default 1)
  --jumprelu-sparsity-loss-mode step|tanh
                         jumprelu: the L0 penalty (default step)
  --jumprelu-tanh-scale S       jumprelu, tanh: the penalty's scale (default 4)
  --jumprelu-bandwidth E        jumprelu: the straight-through estimators' width (default 0.05)
  --jumprelu-init-threshold T   jumprelu: the thresholds' initial value (default 0.01)
  --pre-act-loss-coefficient C  jumprelu: pre-activation loss on dead latents (default 0: off)`;

const str = { type: "string" } as const;
export const ARCHITECTURE_OPTIONS = {
  architecture: str,
  k: str,
  skip: { type: "boolean" },
  "aux-k-coefficient": str,
  "no-rescale-acts-by-decoder-norm": { type: "boolean" },
  "topk-threshold-lr": str,
  "matryoshka-widths": str,
  "l0-coefficient": str,
  "jumprelu-sparsity-loss-mode": str,
  "jumprelu-tanh-scale": str,
  "jumprelu-bandwidth": str,
  "jumprelu-init-threshold": str,
  "pre-act-loss-coefficient": str,
} as const;

/** The flags each architecture reads beyond the shared ones (the L1 flags are standard's). */
const FLAGS_OF: Record<string, readonly ArchitectureName[]> = {
  k: ["topk", "batchtopk", "matryoshka_batchtopk"],
  "aux-k-coefficient": ["topk", "batchtopk", "matryoshka_batchtopk"],
  "no-rescale-acts-by-decoder-norm": ["topk", "batchtopk", "matryoshka_batchtopk"],
  "topk-threshold-lr": ["batchtopk", "matryoshka_batchtopk"],
  "matryoshka-widths": ["matryoshka_batchtopk"],
  "l0-coefficient": ["jumprelu"],
  "jumprelu-sparsity-loss-mode": ["jumprelu"],
  "jumprelu-tanh-scale": ["jumprelu"],
  "jumprelu-bandwidth": ["jumprelu"],
  "jumprelu-init-threshold": ["jumprelu"],
  "pre-act-loss-coefficient": ["jumprelu"],
  l1: ["standard"],
  "l1-warm-up-steps": ["standard"],
};

/** What the flags say; the architecture is undefined when --architecture is absent. */
export interface ArchitectureFlags {
  architecture?: ArchitectureName;
  skip: boolean;
  /** The hyperparameters given, under ArchitectureOptions' names. */
  options: Partial<ArchitectureOptions>;
  /** The architecture-specific flags given, checked once the architecture is known. */
  given: string[];
}

/** --matryoshka-widths' list; whether its last is d_sae is checked once d_sae is known. */
function widthsFlag(text: string): number[] {
  try {
    const widths = parseMatryoshkaWidths(text);
    const problem = matryoshkaWidthsProblem(widths, widths[widths.length - 1]!);
    if (problem !== undefined) throw new Error(problem);
    return widths;
  } catch (err) {
    throw new CliError(`--matryoshka-widths ${text}: ${(err as Error).message}`);
  }
}

/** Refuses a flag the architecture does not read. */
export function checkFlagsFor(flags: ArchitectureFlags, name: ArchitectureName): void {
  for (const flag of flags.given) {
    const users = FLAGS_OF[flag]!;
    if (!users.includes(name)) {
      throw new CliError(`--${flag} is for --architecture ${users.join(" or ")}, not ${name}`);
    }
  }
}

export function parseArchitectureFlags(
  v: Record<string, unknown>,
  kind: DictionaryKind | undefined,
): ArchitectureFlags {
  const architecture =
    v.architecture === undefined
      ? undefined
      : choiceFlag(v, "architecture", ARCHITECTURE_NAMES, undefined);
  if (v.skip === true && kind === "sae") throw new CliError("--skip is for a transcoder");
  const options: Partial<ArchitectureOptions> = {};
  const num = (flag: string, check: { min?: number; positive?: boolean }) =>
    v[flag] === undefined ? undefined : numberFlag(v, flag, undefined, check);
  const set = <K extends keyof ArchitectureOptions>(
    key: K,
    value: ArchitectureOptions[K] | undefined,
  ) => {
    if (value !== undefined) options[key] = value;
  };
  set("k", num("k", { positive: true }));
  set("auxLossCoefficient", num("aux-k-coefficient", { min: 0 }));
  if (v["no-rescale-acts-by-decoder-norm"] === true) options.rescaleActsByDecoderNorm = false;
  set("topkThresholdLr", num("topk-threshold-lr", { positive: true }));
  if (v["matryoshka-widths"] !== undefined) {
    options.matryoshkaWidths = widthsFlag(stringFlag(v, "matryoshka-widths"));
  }
  set("l0Coefficient", num("l0-coefficient", { min: 0 }));
  if (v["jumprelu-sparsity-loss-mode"] !== undefined) {
    options.jumpreluSparsityLossMode = choiceFlag(
      v,
      "jumprelu-sparsity-loss-mode",
      ["step", "tanh"] as const,
      undefined,
    );
  }
  set("jumpreluTanhScale", num("jumprelu-tanh-scale", { positive: true }));
  set("jumpreluBandwidth", num("jumprelu-bandwidth", { positive: true }));
  set("jumpreluInitThreshold", num("jumprelu-init-threshold", { positive: true }));
  set("preActLossCoefficient", num("pre-act-loss-coefficient", { min: 0 }));
  const given = Object.keys(FLAGS_OF).filter((flag) => v[flag] !== undefined);
  return { ...(architecture ? { architecture } : {}), skip: v.skip === true, options, given };
}
