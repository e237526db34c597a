import type { SafetensorsFile } from "../formats/safetensors.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import { BLOCK_TENSORS, Gpt2Tensors } from "./gpt2Tensors.ts";
import { transpose, type Gpt2LayerWeights, type Gpt2Weights } from "./gpt2Weights.ts";

/**
 * Reads a Hugging Face GPT2LMHeadModel checkpoint into host weights tensor by tensor (each from
 * its own slice of the file), checking every shape against config.json (see Gpt2Tensors).
 */
export async function loadGpt2Checkpoint(
  config: Gpt2Config,
  file: SafetensorsFile,
  configName = "config.json",
): Promise<Gpt2Weights> {
  const tensors = Gpt2Tensors.open(config, file, configName);
  const wte = await tensors.read("wte.weight");
  const wpe = await tensors.read("wpe.weight");
  const layers: Gpt2LayerWeights[] = [];
  for (let l = 0; l < config.nLayer; l++) {
    const layer = {} as Gpt2LayerWeights;
    for (const t of BLOCK_TENSORS) layer[t.field] = await tensors.read(`h.${l}.${t.name}`);
    layers.push(layer);
  }
  return {
    config,
    processed: false,
    wte,
    wpe,
    layers,
    lnFW: await tensors.read("ln_f.weight"),
    lnFB: await tensors.read("ln_f.bias"),
    wU: transpose(wte, config.vocabSize, config.dModel),
    bU: new Float32Array(config.vocabSize),
  };
}
