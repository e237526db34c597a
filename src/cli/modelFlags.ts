import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import type { Gpt2Config } from "../engine/model/gpt2Config.ts";
import { CliError } from "./cliError.ts";
import { intFlag } from "./flags.ts";

/** Flags shared by the commands that run the model. */
export const MODEL_OPTIONS = {
  model: { type: "string" },
  "no-processing": { type: "boolean" },
  "prepend-bos": { type: "boolean" },
  "no-prepend-bos": { type: "boolean" },
  "context-size": { type: "string" },
} as const;

export const MODEL_HELP = `  --model builtin|DIR    the built-in model, or a folder with config.json + model.safetensors
                         (Hugging Face GPT-2)
  --no-processing        use the raw weights (default: TransformerLens processing: fold_ln,
                         center_writing_weights, center_unembed, fold_value_biases)
  --prepend-bos, --no-prepend-bos
                         start every sequence with <|endoftext|> or not (default: the
                         dictionary's prepend_bos; else off for the built-in model, which was
                         trained without BOS, and on for --model DIR, as SAELens defaults)
  --context-size N       tokens per sequence (default: the dictionary's context_size; else 128,
                         SAELens's default, or the model's n_positions if smaller)`;

export interface ModelFlags {
  model: string;
  processing: boolean;
  /** undefined: from the dictionary, else the model's default. */
  prependBos?: boolean;
  /** undefined: from the dictionary, else the model's default. */
  contextSize?: number;
}

export function parseModelFlags(v: Record<string, unknown>, model: string): ModelFlags {
  if (v["prepend-bos"] === true && v["no-prepend-bos"] === true) {
    throw new CliError("give --prepend-bos or --no-prepend-bos, not both");
  }
  return {
    model,
    processing: v["no-processing"] !== true,
    prependBos: v["prepend-bos"] === true ? true : v["no-prepend-bos"] === true ? false : undefined,
    contextSize: v["context-size"] === undefined ? undefined : intFlag(v, "context-size", 1, 2),
  };
}

/** SAELens's default context_size. */
export const SAELENS_CONTEXT_SIZE = 128;

/**
 * BOS and context size, as SAELens's ActivationsStore.from_sae takes them: flags first, then the
 * dictionary's cfg.json metadata, then the defaults (the built-in model: no BOS, its n_positions;
 * another GPT-2: SAELens's prepend_bos true and context_size 128).
 */
export function sequenceSettings(
  flags: ModelFlags,
  config: Gpt2Config,
  dict?: Pick<DictionarySpec, "prependBos" | "contextSize">,
): { prependBos: boolean; contextSize: number } {
  const builtin = flags.model === "builtin";
  const prependBos = flags.prependBos ?? dict?.prependBos ?? !builtin;
  const contextSize =
    flags.contextSize ??
    dict?.contextSize ??
    (builtin ? config.nCtx : Math.min(SAELENS_CONTEXT_SIZE, config.nCtx));
  if (contextSize > config.nCtx) {
    const from =
      flags.contextSize !== undefined ? "--context-size" : "the dictionary's context_size";
    throw new CliError(`${from} ${contextSize} exceeds the model's n_positions (${config.nCtx})`);
  }
  if (contextSize < (prependBos ? 2 : 1)) {
    throw new CliError(`context size ${contextSize} leaves no room for tokens`);
  }
  return { prependBos, contextSize };
}

/** The model name recorded in cfg.json and file metadata. */
export function modelName(model: string): string {
  return model === "builtin" ? "gpt2-brown (built-in)" : model;
}
