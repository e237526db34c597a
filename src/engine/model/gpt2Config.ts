import { FormatError } from "../formats/formatError.ts";

/** The GPT-2 hyper-parameters the forward pass needs, read from a Hugging Face config.json. */
export interface Gpt2Config {
  vocabSize: number;
  /** Context length (n_positions). */
  nCtx: number;
  dModel: number;
  nLayer: number;
  nHead: number;
  dHead: number;
  /** MLP hidden width (n_inner, 4 * n_embd when null). */
  dMlp: number;
  lnEps: number;
  /** The MLP's activation function. */
  activation: Gpt2Activation;
}

/** gelu_new: GPT-2's tanh approximation of GELU; gelu: the exact (erf) one. */
export type Gpt2Activation = "gelu_new" | "gelu" | "relu";

/** Hugging Face's names for the activations the kernels implement. */
const ACTIVATIONS: Record<string, Gpt2Activation> = {
  gelu_new: "gelu_new",
  gelu_pytorch_tanh: "gelu_new",
  gelu_fast: "gelu_new",
  gelu: "gelu",
  relu: "relu",
};

/** Parses and checks config.json; every problem names the file and the field. */
export function parseGpt2Config(text: string, file = "config.json"): Gpt2Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `is not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new FormatError(file, "expected a JSON object");
  }
  const cfg = raw as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    const found = field in cfg ? JSON.stringify(cfg[field]) : "missing";
    throw new FormatError(file, `field "${field}": expected ${expected}, found ${found}`);
  };
  const positiveInt = (field: string): number => {
    const v = cfg[field];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
      return fail(field, "a positive integer");
    }
    return v;
  };

  if ("model_type" in cfg && cfg.model_type !== "gpt2") fail("model_type", '"gpt2"');
  const activationName = cfg.activation_function ?? "gelu_new";
  const activation =
    typeof activationName === "string" && Object.hasOwn(ACTIVATIONS, activationName)
      ? ACTIVATIONS[activationName]
      : undefined;
  if (activation === undefined) {
    fail("activation_function", `one of ${Object.keys(ACTIVATIONS).join(", ")}`);
  }
  if (cfg.scale_attn_by_inverse_layer_idx === true) {
    fail("scale_attn_by_inverse_layer_idx", "false (not supported)");
  }
  if (cfg.scale_attn_weights === false) fail("scale_attn_weights", "true (not supported)");
  if (cfg.tie_word_embeddings === false) {
    fail("tie_word_embeddings", "true (the unembedding is read from wte)");
  }

  const vocabSize = positiveInt("vocab_size");
  const nCtx = positiveInt("n_positions");
  const dModel = positiveInt("n_embd");
  const nLayer = positiveInt("n_layer");
  const nHead = positiveInt("n_head");
  if (dModel % nHead !== 0) fail("n_head", `a divisor of n_embd = ${dModel}`);
  if (dModel % 4 !== 0) fail("n_embd", "a multiple of 4 (the kernels read vec4s)");
  const dMlp =
    cfg.n_inner === undefined || cfg.n_inner === null ? 4 * dModel : positiveInt("n_inner");
  if (dMlp % 4 !== 0) fail("n_inner", "a multiple of 4 (the kernels read vec4s)");
  const eps = cfg.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) {
    fail("layer_norm_epsilon", "a positive number");
  }
  return {
    vocabSize,
    nCtx,
    dModel,
    nLayer,
    nHead,
    dHead: dModel / nHead,
    dMlp,
    lnEps: eps as number,
    activation: activation!,
  };
}
