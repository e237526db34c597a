import { intFlag } from "./flags.ts";

/** Flags shared by the commands that run the model. */
export const MODEL_OPTIONS = {
  model: { type: "string" },
  "no-processing": { type: "boolean" },
  "prepend-bos": { type: "boolean" },
  "context-size": { type: "string" },
} as const;

export const MODEL_HELP = `  --model builtin|DIR    the built-in model, or a folder with config.json + model.safetensors
                         (Hugging Face GPT-2)
  --no-processing        use the raw weights (default: TransformerLens processing: fold_ln,
                         center_writing_weights, center_unembed, fold_value_biases)
  --prepend-bos          start every sequence with <|endoftext|> (default: no BOS)
  --context-size N       tokens per sequence (default: the model's n_positions)`;

export interface ModelFlags {
  model: string;
  processing: boolean;
  prependBos: boolean;
  /** undefined: the model's context length. */
  contextSize?: number;
}

export function parseModelFlags(v: Record<string, unknown>, model: string): ModelFlags {
  return {
    model,
    processing: v["no-processing"] !== true,
    prependBos: v["prepend-bos"] === true,
    contextSize: v["context-size"] === undefined ? undefined : intFlag(v, "context-size", 1, 2),
  };
}

/** The model name recorded in cfg.json and file metadata. */
export function modelName(model: string): string {
  return model === "builtin" ? "gpt2-brown (built-in)" : model;
}
