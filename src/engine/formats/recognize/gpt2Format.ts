/** A GPT-2-architecture checkpoint: Hugging Face config.json + model.safetensors (or nanoGPT-oriented). */
import { loadGpt2Checkpoint } from "../../model/gpt2Checkpoint.ts";
import { parseGpt2Config } from "../../model/gpt2Config.ts";
import { findByExtension, readText, siblingPath, type FileSet } from "../fileSet.ts";
import { FormatError } from "../formatError.ts";
import { openSafetensors } from "../safetensors.ts";
import { safetensorsStore } from "../tensorStore.ts";
import { storeDtypes } from "./matrices.ts";
import type { RecognizedModel } from "./recognized.ts";

const WTE = ["wte.weight", "transformer.wte.weight"];

export async function recognizeGpt2(set: FileSet): Promise<RecognizedModel | undefined> {
  for (const path of findByExtension(set, ".safetensors")) {
    const src = set.files.get(path)!;
    const file = await openSafetensors(src);
    if (!WTE.some((n) => file.has(n))) continue;
    const cfgSrc = set.files.get(siblingPath(path, "config.json"));
    if (!cfgSrc) {
      throw new FormatError(
        src.name,
        "holds GPT-2 weights but no config.json was given beside it; add the model's config.json",
      );
    }
    const config = parseGpt2Config(await readText(cfgSrc), cfgSrc.name);
    const linear = [...file.tensors.keys()].some(
      (n) =>
        n.endsWith("h.0.attn.c_attn.weight") && file.tensors.get(n)!.shape[0] === 3 * config.dModel,
    );
    return {
      kind: "model",
      format: linear ? "GPT-2 checkpoint (nanoGPT orientation)" : "GPT-2 checkpoint (Hugging Face)",
      config,
      dtype: storeDtypes(safetensorsStore(file)),
      bytes: src.size,
      notes: [],
      file,
      configName: cfgSrc.name,
      load: () => loadGpt2Checkpoint(config, file, cfgSrc.name),
    };
  }
  return undefined;
}
