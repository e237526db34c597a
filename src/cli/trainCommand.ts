import { choiceFlag, intFlag, numberFlag, parseFlags, stringFlag } from "./flags.ts";
import type { DictionaryKind, NormalizeActivations } from "../engine/dictionary/spec.ts";

export const TRAIN_USAGE =
  "usage: npm run train -- --data acts.safetensors --kind transcoder|sae --d-sae N --l1 C " +
  "--lr LR --batch B --steps S --seed K [--init DIR] " +
  "[--normalize none|expected_average_only_in] [--log-every N] [--shuffle] --out DIR";

export const TRAIN_HELP = `${TRAIN_USAGE}

Trains a sparse autoencoder (sae: reconstructs x) or a transcoder (maps x to y) on
activations stored in a safetensors file: x [N, d_in] and, for a transcoder, y [N, d_out].
Batch i is rows i*B .. i*B+B-1 of the file, wrapping around (--shuffle: a seeded random
order per epoch). Writes DIR/cfg.json and DIR/sae_weights.safetensors (SAELens format),
DIR/sparsity.safetensors (log10 feature density over the last window) and DIR/metrics.jsonl.

  --data FILE            activations (F32, F16 or BF16)
  --kind sae|transcoder  (default: the --init folder's kind)
  --d-sae N              dictionary width (default: the --init folder's)
  --l1 C                 L1 coefficient (default 1)
  --lr LR                learning rate (default 3e-4)
  --batch B              rows per step (default 4096)
  --steps S              training steps
  --seed K               initialization and shuffle seed (default 0)
  --init DIR             start from a SAELens folder instead of a fresh initialization
  --normalize MODE       none (default) or expected_average_only_in
  --log-every N          metrics every N steps (default 10; always the last step)
  --shuffle              random row order
  --lr-warm-up-steps N   linear warm-up (default 0)
  --lr-decay-steps N     linear decay to --lr-end over the last N steps (default 0)
  --lr-end LR            (default 0)
  --l1-warm-up-steps N   linear L1 warm-up from 0 (default 0)
  --dead-feature-window N       steps without firing before a latent counts as dead (default 1000)
  --feature-sampling-window N   steps per feature-density window (default 2000)
  --no-apply-b-dec-to-input     SAE only: do not subtract b_dec from the input
  --model-name, --hook-name, --hook-name-out   recorded in cfg.json (default: the data file's
                         __metadata__, else "unknown")
  --out DIR              output folder`;

export interface TrainCommand {
  data: string;
  kind?: DictionaryKind;
  dSae?: number;
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
  lrEnd: number;
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
  kind: str,
  "d-sae": str,
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
  "lr-end": str,
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
  const kind =
    v.kind === undefined && init !== undefined
      ? undefined
      : choiceFlag(v, "kind", ["sae", "transcoder"] as const, undefined);
  const dSae =
    v["d-sae"] === undefined && init !== undefined ? undefined : intFlag(v, "d-sae", undefined);
  const steps = intFlag(v, "steps", undefined);
  return {
    data: stringFlag(v, "data"),
    kind,
    dSae,
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
    lrEnd: numberFlag(v, "lr-end", 0, { min: 0 }),
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
