/**
 * A transcoder set's quality as a whole: the spliced-in metrics with EVERY layer's MLP output
 * replaced at once by its transcoder, each reading the replacement model's own MLP input (layers
 * without one keep their MLP), on the same held-out windows as a single dictionary's evaluation
 * (evaluateDictionary). In sae_lens.evals's names:
 * - ce_loss_with_sae: the replacement model's CE loss; ce_loss_with_ablation: every replaced MLP
 *   zero-ablated at once; ce_loss_score = (with_ablation − with_sae) / (with_ablation − without);
 * - kl_div_with_sae: the replacement model's KL divergence to the original, KL(original ‖
 *   replacement) of the next-token distributions, mean per token.
 */
import { GpuDictionaryApply } from "../eval/gpuDictionaryApply.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../model/gpuGpt2.ts";
import { LinearKernels } from "../model/linearKernels.ts";
import {
  evaluateHeldOut,
  heldOutWindows,
  type DictionaryEvaluation,
  type HeldOutOptions,
} from "../stream/heldOutEvaluation.ts";
import type { TokenCorpus } from "../stream/tokenCorpus.ts";
import type { TranscoderSet } from "./transcoderSet.ts";

export type SetEvaluation = DictionaryEvaluation & {
  /** The layers whose MLP the set replaced. */
  replaced_layers: number[];
};

export type SetEvaluationOptions = HeldOutOptions;

export async function evaluateTranscoderSet(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  corpus: TokenCorpus,
  set: TranscoderSet,
  options: SetEvaluationOptions,
): Promise<SetEvaluation> {
  const present = set.layers.flatMap((t, layer) => (t ? [{ t, layer }] : []));
  if (present.length === 0) throw new Error("the transcoder set has no transcoders");
  const { starts, rows } = heldOutWindows(model, corpus, options);
  const linear = new LinearKernels(device, shaders);
  const applies: { apply: GpuDictionaryApply; input: string; output: string }[] = [];
  try {
    for (const { t } of present) {
      const apply = new GpuDictionaryApply(device, linear, t.spec, t.params, rows);
      applies.push({ apply, input: t.spec.hookName, output: t.spec.hookNameOut });
    }
    const metrics = await evaluateHeldOut(device, shaders, model, corpus, starts, options, {
      handlers: (replace) =>
        applies.flatMap((a) => a.apply.spliceHandlers(a.input, a.output, replace)),
      ablateHook: applies.map((a) => a.output),
    });
    return { ...metrics, replaced_layers: present.map((p) => p.layer) };
  } finally {
    for (const a of applies) a.apply.destroy();
  }
}
