import { CliError } from "./cliError.ts";
import { choiceFlag, intFlag, numberFlag, parseFlags, stringFlag } from "./flags.ts";
import { MODEL_HELP, MODEL_OPTIONS, parseModelFlags, type ModelFlags } from "./modelFlags.ts";
import type { DictionaryKind, NormalizeActivations } from "../engine/dictionary/spec.ts";
import type { Schedule } from "../engine/train/schedule.ts";
import {
  ARCHITECTURE_HELP,
  ARCHITECTURE_OPTIONS,
  parseArchitectureFlags,
  type ArchitectureFlags,
} from "./architectureFlags.ts";
import { DEFAULT_EVAL_SEQUENCES } from "../engine/stream/streamSession.ts";
import { isHookSite, parseSweep, type Sweep } from "../engine/stream/sweep.ts";
import {
  parseSyntheticFlags,
  SYNTHETIC_HELP,
  SYNTHETIC_OPTIONS,
  type SyntheticFlags,
} from "./syntheticFlags.ts";

export const TRAIN_USAGE =
  "usage: npm run train -- (--data acts.safetensors | --model builtin|DIR --layer L [--hook H] | --synthetic PRESET|CONFIG.json [--export-truth DIR]) " +
  "--kind transcoder|sae|sae,transcoder [--sweep SETTING=V1,V2,...] [--layers all|L1,L2,...] --d-sae N [--architecture standard|topk|batchtopk|matryoshka_batchtopk|jumprelu] [--k K] [--matryoshka-widths W1,W2,...] " +
  "[--skip] --l1 C --lr LR --batch B --steps S --seed K [--init DIR] " +
  "[--normalize none|expected_average_only_in] [--log-every N] [--shuffle] --out DIR";

export const TRAIN_HELP = `${TRAIN_USAGE}

Trains a sparse autoencoder (sae: reconstructs x) or a transcoder (maps x to y) on
activations stored in a safetensors file: x [N, d_in] and, for a transcoder, y [N, d_out].
Batch i is rows i*B .. i*B+B-1 of the file, wrapping around (--shuffle: a seeded random
order per epoch). Writes DIR/cfg.json and DIR/sae_weights.safetensors (SAELens format),
DIR/sparsity.safetensors (log10 feature density over the last window) and DIR/metrics.jsonl.

With --model instead of --data, trains on the model's own activation stream over the built-in
corpus's training slice (a shuffle buffer on the GPU, SAELens's mixing), then prints the
spliced-in metrics on the held-out slice as JSON (also written to DIR/eval.json).

  --data FILE            activations (F32, F16 or BF16)
${MODEL_HELP}
${SYNTHETIC_HELP}
  --layer L              transcoder: blocks.L.ln2.hook_normalized -> blocks.L.hook_mlp_out
  --hook H               SAE: the hook it reconstructs, e.g. blocks.1.hook_resid_pre
  --buffer-batches N     SAELens n_batches_in_buffer, in store batches of 1024 tokens (default
                         20); each refill runs the model over half of them
  --include-special-tokens
                         train and evaluate on <|endoftext|> positions too (default: left out,
                         SAELens exclude_special_tokens; an --init folder's setting wins)
  --eval-sequences N     held-out windows for the spliced-in metrics (default 64; 0 = none)
  --kind sae|transcoder  (default: the --init folder's kind); with --model also a list,
                         sae,transcoder: one dictionary of each kind on the one stream (an
                         SAE then reads blocks.L.hook_mlp_out, the transcoder's target, unless
                         --hook names another site)
  --sweep SETTING=V1,V2,...
                         --model: one dictionary per value for each kind, SETTING one of k,
                         l1_coefficient, l0_coefficient, d_sae, lr, architecture (e.g. k=8,16,32)
  --layers all|L1,L2,... --model: a dictionary of each kind at each of these layers (instead of
                         --layer; --hook is then a site without its layer, e.g. hook_resid_pre)
                         A kind list, --sweep or --layers writes DIR/<id>/ (a SAELens folder
                         each, with metrics.jsonl and eval.json), DIR/sweep.json, DIR/sweep.csv
                         and DIR/frontier.svg; a transcoder at every layer 0..N also
                         DIR/circuit-tracer/ (config.yaml and layer_L.safetensors)
  --d-sae N              dictionary width (default: the --init folder's)
${ARCHITECTURE_HELP}
  --l1 C                 standard: L1 coefficient (default 1)
  --lr LR                learning rate (default 3e-4)
  --batch B              rows per step (default 4096)
  --steps S              training steps
  --seed K               initialization and shuffle seed (default 0)
  --init DIR             start from a SAELens folder instead of a fresh initialization
  --normalize MODE       none (default) or expected_average_only_in
  --log-every N          metrics every N steps (default 10; always the last step)
  --shuffle              random row order
  --lr-warm-up-steps N   linear warm-up (default 0)
  --lr-decay-steps N     linear decay to 0 over the last N steps (default 0; SAELens's
                         constant scheduler decays to 0 whatever its lr_end is)
  --l1-warm-up-steps N   linear L1 warm-up from 0 (default 0)
  --dead-feature-window N       steps without firing before a latent counts as dead (default
                                1000; the dead latents are AuxK's and the pre-act loss's)
  --feature-sampling-window N   steps per feature-density window (default 2000)
  --no-apply-b-dec-to-input     SAE only: do not subtract b_dec from the input
  --model-name, --hook-name, --hook-name-out   recorded in cfg.json (default: the data file's
                         __metadata__, else "unknown")
  --out DIR              output folder`;

export interface StreamFlags extends ModelFlags {
  layer?: number;
  hook?: string;
  bufferBatches: number;
  evalSequences: number;
  /** undefined: the --init folder's exclude_special_tokens, else true. */
  excludeSpecialTokens?: boolean;
  /** --layers as given ("all" or a list), checked against the model's layers once loaded. */
  layers?: string;
}

export interface TrainCommand {
  /** Exactly one of data, stream and synthetic. */
  data?: string;
  stream?: StreamFlags;
  synthetic?: SyntheticFlags;
  kind?: DictionaryKind;
  /** A kind list, a sweep or --layers: several dictionaries on one stream (sweepTrain.ts). */
  multi?: { kinds: DictionaryKind[]; sweep?: Sweep };
  dSae?: number;
  /** The architecture flags as given (undefined where absent: an --init folder's, or SAELens's). */
  arch: ArchitectureFlags;
  l1: number;
  lr: number;
  batch: number;
  steps: number;
  seed: number;
  init?: string;
  normalize: NormalizeActivations;
  logEvery: number;
  shuffle: boolean;
  lrWarmUpSteps: number;
  lrDecaySteps: number;
  l1WarmUpSteps: number;
  deadFeatureWindow: number;
  featureSamplingWindow: number;
  applyBDecToInput: boolean;
  modelName?: string;
  hookName?: string;
  hookNameOut?: string;
  out: string;
}

const str = { type: "string" } as const;
const OPTIONS = {
  data: str,
  ...MODEL_OPTIONS,
  ...SYNTHETIC_OPTIONS,
  layer: str,
  hook: str,
  "buffer-batches": str,
  "include-special-tokens": { type: "boolean" },
  "eval-sequences": str,
  kind: str,
  sweep: str,
  layers: str,
  "d-sae": str,
  ...ARCHITECTURE_OPTIONS,
  l1: str,
  lr: str,
  batch: str,
  steps: str,
  seed: str,
  init: str,
  normalize: str,
  "log-every": str,
  shuffle: { type: "boolean" },
  "lr-warm-up-steps": str,
  "lr-decay-steps": str,
  "l1-warm-up-steps": str,
  "dead-feature-window": str,
  "feature-sampling-window": str,
  "no-apply-b-dec-to-input": { type: "boolean" },
  "model-name": str,
  "hook-name": str,
  "hook-name-out": str,
  out: str,
  help: { type: "boolean" },
} as const;

/** Parses `npm run train` flags; returns "help" for --help. */
export function parseTrainCommand(argv: string[]): TrainCommand | "help" {
  const v = parseFlags(argv, OPTIONS, TRAIN_USAGE) as Record<string, unknown>;
  if (v.help === true) return "help";
  const init = v.init as string | undefined;
  const synthetic = parseSyntheticFlags(v);
  const multi = parseMulti(v);
  const kind = multi
    ? undefined
    : v.kind === undefined && init !== undefined
      ? undefined
      : choiceFlag(v, "kind", ["sae", "transcoder"] as const, undefined);
  const sweepsDSae = multi?.sweep?.setting === "d_sae";
  const dSae =
    (v["d-sae"] === undefined && init !== undefined) || sweepsDSae
      ? undefined
      : intFlag(v, "d-sae", undefined);
  const steps = intFlag(v, "steps", undefined);
  return {
    ...(synthetic ? { synthetic } : multi ? multiStream(v, multi.kinds) : dataOrStream(v, kind)),
    kind,
    ...(multi ? { multi } : {}),
    dSae,
    arch: parseArchitectureFlags(v, multi && !multi.kinds.includes("transcoder") ? "sae" : kind),
    l1: numberFlag(v, "l1", 1, { min: 0 }),
    lr: numberFlag(v, "lr", 3e-4, { positive: true }),
    batch: intFlag(v, "batch", 4096),
    steps,
    seed: intFlag(v, "seed", 0, 0),
    init,
    normalize: choiceFlag(v, "normalize", ["none", "expected_average_only_in"] as const, "none"),
    logEvery: intFlag(v, "log-every", 10),
    shuffle: v.shuffle === true,
    lrWarmUpSteps: intFlag(v, "lr-warm-up-steps", 0, 0),
    lrDecaySteps: intFlag(v, "lr-decay-steps", 0, 0),
    l1WarmUpSteps: intFlag(v, "l1-warm-up-steps", 0, 0),
    deadFeatureWindow: intFlag(v, "dead-feature-window", 1000),
    featureSamplingWindow: intFlag(v, "feature-sampling-window", 2000),
    applyBDecToInput: v["no-apply-b-dec-to-input"] !== true,
    modelName: v["model-name"] as string | undefined,
    hookName: v["hook-name"] as string | undefined,
    hookNameOut: v["hook-name-out"] as string | undefined,
    out: stringFlag(v, "out"),
  };
}

const KINDS = ["sae", "transcoder"] as const;

/** The flags that set what a sweep can sweep (a sweep of one conflicts with its flag). */
const SWEPT_FLAG: Record<string, string> = {
  k: "k",
  l1_coefficient: "l1",
  l0_coefficient: "l0-coefficient",
  d_sae: "d-sae",
  lr: "lr",
  architecture: "architecture",
};

/** A kind list, --sweep or --layers: several dictionaries; undefined for one. */
function parseMulti(
  v: Record<string, unknown>,
): { kinds: DictionaryKind[]; sweep?: Sweep } | undefined {
  const kindText = typeof v.kind === "string" ? v.kind : undefined;
  const list = kindText?.includes(",") ?? false;
  if (!list && v.sweep === undefined && v.layers === undefined) return undefined;
  const what = list ? "a kind list" : v.sweep !== undefined ? "--sweep" : "--layers";
  if (v.model === undefined && v.synthetic === undefined) {
    throw new CliError(`${what} trains on a model's stream: give --model`);
  }
  if (v.init !== undefined) throw new CliError(`--init starts one dictionary, not ${what}`);
  if (kindText === undefined)
    throw new CliError(`missing --kind (sae, transcoder or sae,transcoder)`);
  const kinds = kindText.split(",").map((k) => k.trim());
  for (const k of kinds) {
    if (!KINDS.includes(k as DictionaryKind)) {
      throw new CliError(`--kind expects sae, transcoder or a list of them, got "${k}"`);
    }
  }
  if (new Set(kinds).size !== kinds.length) throw new CliError(`--kind lists a kind twice`);
  let sweep: Sweep | undefined;
  if (v.sweep !== undefined) {
    try {
      sweep = parseSweep(stringFlag(v, "sweep"));
    } catch (err) {
      throw new CliError(`--sweep: ${(err as Error).message}`);
    }
    const flag = SWEPT_FLAG[sweep.setting]!;
    if (v[flag] !== undefined) {
      throw new CliError(`--sweep ${sweep.setting}=... and --${flag} both set ${sweep.setting}`);
    }
  }
  return { kinds: kinds as DictionaryKind[], ...(sweep ? { sweep } : {}) };
}

/** The stream flags of a run of several dictionaries: --layer or --layers, an SAE's --hook. */
function multiStream(v: Record<string, unknown>, kinds: DictionaryKind[]): { stream: StreamFlags } {
  const stream: StreamFlags = {
    ...parseModelFlags(v, stringFlag(v, "model")),
    bufferBatches: intFlag(v, "buffer-batches", 20, 2),
    evalSequences: intFlag(v, "eval-sequences", DEFAULT_EVAL_SEQUENCES, 0),
    excludeSpecialTokens: v["include-special-tokens"] === true ? false : undefined,
  };
  const hook = v.hook as string | undefined;
  if (hook !== undefined && !kinds.includes("sae")) {
    throw new CliError("--hook is for an SAE; a transcoder takes --layer");
  }
  if (v.layers !== undefined) {
    if (v.layer !== undefined) throw new CliError("give --layer or --layers, not both");
    if (hook !== undefined && !isHookSite(hook)) {
      throw new CliError(
        `with --layers, --hook is a site without its layer (e.g. hook_resid_pre), got "${hook}"`,
      );
    }
    return { stream: { ...stream, layers: stringFlag(v, "layers"), hook } };
  }
  const fullHook = hook === undefined ? undefined : /^blocks\.(\d+)\.(.+)$/.exec(hook);
  if (v.layer === undefined && fullHook) {
    if (kinds.includes("transcoder")) {
      throw new CliError("a transcoder takes --layer (the SAE's --hook names its own layer)");
    }
    return { stream: { ...stream, layer: Number(fullHook[1]), hook } };
  }
  const layer = intFlag(v, "layer", undefined, 0);
  if (fullHook && Number(fullHook[1]) !== layer) {
    throw new CliError(
      `--hook ${hook} is at layer ${fullHook[1]} but --layer is ${layer}: give the SAE's site ` +
        `without its layer (e.g. ${fullHook[2]}) or the same layer`,
    );
  }
  return { stream: { ...stream, layer, hook } };
}

function dataOrStream(
  v: Record<string, unknown>,
  kind: string | undefined,
): { data?: string; stream?: StreamFlags } {
  if (v.data !== undefined && v.model !== undefined) {
    throw new CliError(
      "give --data (an activation file) or --model (the model's stream), not both",
    );
  }
  if (v.model === undefined) {
    for (const flag of [
      "layer",
      "hook",
      "no-processing",
      "prepend-bos",
      "no-prepend-bos",
      "context-size",
      "buffer-batches",
      "eval-sequences",
      "include-special-tokens",
    ]) {
      if (v[flag] !== undefined) throw new CliError(`--${flag} needs --model`);
    }
    return { data: stringFlag(v, "data") };
  }
  const stream: StreamFlags = {
    ...parseModelFlags(v, stringFlag(v, "model")),
    bufferBatches: intFlag(v, "buffer-batches", 20, 2),
    evalSequences: intFlag(v, "eval-sequences", DEFAULT_EVAL_SEQUENCES, 0),
    excludeSpecialTokens: v["include-special-tokens"] === true ? false : undefined,
  };
  if (kind === "transcoder" || (kind === undefined && v.hook === undefined)) {
    if (v.hook !== undefined)
      throw new CliError("--hook is for an SAE; a transcoder takes --layer");
    stream.layer = intFlag(v, "layer", undefined, 0);
  } else {
    stream.hook = stringFlag(v, "hook");
  }
  return { stream };
}

/** The learning-rate and L1 schedules the flags ask for. */
export function scheduleOf(cmd: TrainCommand): Schedule {
  return {
    totalSteps: cmd.steps,
    lr: cmd.lr,
    lrWarmUpSteps: cmd.lrWarmUpSteps,
    lrDecaySteps: cmd.lrDecaySteps,
    l1Coefficient: cmd.l1,
    l1WarmUpSteps: cmd.l1WarmUpSteps,
  };
}
