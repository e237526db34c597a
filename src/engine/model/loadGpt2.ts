import type { ByteSource } from "../formats/byteSource.ts";
import { openSafetensors } from "../formats/safetensors.ts";
import { parseGpt2Config } from "./gpt2Config.ts";
import { loadGpt2Checkpoint } from "./gpt2Checkpoint.ts";
import type { Gpt2Weights } from "./gpt2Weights.ts";
import { processWeights } from "./processWeights.ts";

export const MODEL_CONFIG_FILENAME = "config.json";
export const MODEL_WEIGHTS_FILENAME = "model.safetensors";

/**
 * A Hugging Face GPT-2 checkpoint (config.json text + model.safetensors bytes) as host weights,
 * processed the way TransformerLens loads GPT-2 unless `processing` is false.
 */
export async function loadGpt2(
  config: { name: string; text: string },
  weights: ByteSource,
  options: { processing: boolean },
): Promise<Gpt2Weights> {
  const cfg = parseGpt2Config(config.text, config.name);
  const file = await openSafetensors(weights);
  const raw = await loadGpt2Checkpoint(cfg, file, config.name);
  return options.processing ? processWeights(raw) : raw;
}
