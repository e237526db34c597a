/**
 * Whether a dictionary can run on the loaded model: its sites must be hooks the model has, its
 * widths the model's, and it must have been made for a GPT-2-architecture model. When it cannot,
 * one sentence says what the dictionary expects and what the model is.
 */
import type { DictionarySpec } from "../dictionary/spec.ts";
import type { Gpt2Config } from "./gpt2Config.ts";
import { HOOK_SITES } from "./hooks.ts";
import { MLP_INPUT_SITE } from "./mlpInputSite.ts";

const OTHER_FAMILIES = /gemma|llama|qwen|mistral|pythia|gpt-neo|deepseek|olmo|phi/i;

export function dictionaryMismatch(
  spec: DictionarySpec,
  config: Gpt2Config,
  modelLabel: string,
): string | undefined {
  const what = spec.kind === "sae" ? "SAE" : "transcoder";
  const model = `the loaded model is ${modelLabel}, width ${config.dModel}, ${config.nLayer} layers`;
  if (OTHER_FAMILIES.test(spec.modelName)) {
    return (
      `this ${what} was made for ${spec.modelName}, another model family; ${model}. ` +
      "Its weights can be inspected, but it cannot run here"
    );
  }
  const sites = spec.kind === "sae" ? spec.hookName : `${spec.hookName} → ${spec.hookNameOut}`;
  for (const hook of new Set([spec.hookName, spec.hookNameOut])) {
    const m = /^blocks\.(\d+)\.(.+)$/.exec(hook);
    // A transcoder reading the MLP's input runs with ln_2 folded in (mlpInputSite.ts).
    const mlpInput =
      spec.kind === "transcoder" && hook === spec.hookName && m?.[2] === MLP_INPUT_SITE;
    if (!m || (!mlpInput && !(HOOK_SITES as readonly string[]).includes(m[2]!))) {
      return (
        `this ${what} reads ${sites}, which is not a hook this playground runs ` +
        `(blocks.L.{${HOOK_SITES.join(", ")}}); ${model}`
      );
    }
    if (Number(m[1]) >= config.nLayer) {
      return `this ${what} reads ${sites}, but ${model} (blocks 0..${config.nLayer - 1})`;
    }
  }
  if (spec.dIn !== config.dModel || spec.dOut !== config.dModel) {
    const width = spec.dIn === spec.dOut ? `${spec.dIn}` : `${spec.dIn} → ${spec.dOut}`;
    return `this ${what} reads ${sites} of a width-${width} model; ${model}`;
  }
  return undefined;
}
