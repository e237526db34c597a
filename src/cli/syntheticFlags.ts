/**
 * `npm run train -- --synthetic PRESET|CONFIG.json`: the flags of a run on a synthetic model,
 * and the stream flags it refuses (there is no model, layer, corpus or activation file).
 */
import { FINAL_TRUTH_SAMPLES, LIVE_TRUTH_SAMPLES } from "../engine/stream/syntheticGroundTruth.ts";
import { CliError } from "./cliError.ts";
import { intFlag, stringFlag } from "./flags.ts";
import { MODEL_OPTIONS } from "./modelFlags.ts";

/** Live ground-truth metrics every this many steps by default (see syntheticTrain.ts). */
export const DEFAULT_TRUTH_EVERY = 200;

export const SYNTHETIC_OPTIONS = {
  synthetic: { type: "string" },
  "export-truth": { type: "string" },
  "truth-every": { type: "string" },
  "truth-samples": { type: "string" },
  "live-truth-samples": { type: "string" },
} as const;

export const SYNTHETIC_HELP = `  --synthetic P|FILE     train on a synthetic model instead: a preset (tiny, small-2k,
                         synthsaebench-16k) or a SAELens synthetic_model_config.json. An SAE
                         reconstructs x, a transcoder maps x to y (the transcoder variant); one
                         sampled stream feeds every dictionary. Writes the ground-truth metrics
                         (SAELens's eval_sae_on_synthetic_data) to DIR/ground_truth.json and
                         prints them; --model, --layer(s), --hook and --data do not apply
  --export-truth DIR     with --synthetic: also write the model's ground truth to DIR (for
                         npm run synth-eval -- --dict ... --truth DIR, or SciPy)
  --truth-every N        with --synthetic: MCC, F1 and the rest on ${LIVE_TRUTH_SAMPLES} samples every N
                         steps, in metrics.jsonl's ground_truth column (default ${DEFAULT_TRUTH_EVERY}; 0 = none)
  --truth-samples N      with --synthetic: samples of the final metrics (default
                         ${FINAL_TRUTH_SAMPLES.toLocaleString("en")}, as synth-eval)
  --live-truth-samples N with --synthetic: samples of each live point (default ${LIVE_TRUTH_SAMPLES})`;

export interface SyntheticFlags {
  /** The preset name or config file as given. */
  source: string;
  exportTruth?: string;
  truthEvery: number;
  truthSamples: number;
  liveTruthSamples: number;
}

/** The flags of a run on a model's stream or a file that mean nothing on a synthetic model. */
const NOT_WITH_SYNTHETIC = [
  "data",
  ...Object.keys(MODEL_OPTIONS),
  "layer",
  "layers",
  "hook",
  "buffer-batches",
  "eval-sequences",
  "include-special-tokens",
  "shuffle",
  "init",
  "model-name",
  "hook-name",
  "hook-name-out",
];

/** The synthetic flags, or undefined without --synthetic (then none of them may be given). */
export function parseSyntheticFlags(v: Record<string, unknown>): SyntheticFlags | undefined {
  if (v.synthetic === undefined) {
    for (const flag of Object.keys(SYNTHETIC_OPTIONS)) {
      if (v[flag] !== undefined) throw new CliError(`--${flag} needs --synthetic`);
    }
    return undefined;
  }
  for (const flag of NOT_WITH_SYNTHETIC) {
    if (v[flag] !== undefined) {
      throw new CliError(
        `--${flag} does not apply with --synthetic (the synthetic model is the data: its x, ` +
          "and y for a transcoder)",
      );
    }
  }
  const exportTruth = v["export-truth"] === undefined ? undefined : stringFlag(v, "export-truth");
  return {
    source: stringFlag(v, "synthetic"),
    ...(exportTruth === undefined ? {} : { exportTruth }),
    truthEvery: intFlag(v, "truth-every", DEFAULT_TRUTH_EVERY, 0),
    truthSamples: intFlag(v, "truth-samples", FINAL_TRUTH_SAMPLES, 1),
    liveTruthSamples: intFlag(v, "live-truth-samples", LIVE_TRUTH_SAMPLES, 1),
  };
}
