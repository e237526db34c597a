/**
 * One GPU forward pass of the model with every transcoder of a set spliced in (the replacement
 * model), on one sequence, logits read back: the unit the attribution's cost is measured in.
 */
import type { TranscoderSet } from "../src/engine/circuits/transcoderSet.ts";
import { GpuDictionaryApply } from "../src/engine/eval/gpuDictionaryApply.ts";
import type { ShaderLibrary } from "../src/engine/gpu/shaderLibrary.ts";
import { readFloats } from "../src/engine/gpu/readBuffer.ts";
import type { Gpt2Weights } from "../src/engine/model/gpt2Weights.ts";
import { GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { LinearKernels } from "../src/engine/model/linearKernels.ts";

/** The median seconds of `repeats` forward passes, after one to warm the pipelines up. */
export async function replacementForwardSeconds(
  device: GPUDevice,
  shaders: ShaderLibrary,
  weights: Gpt2Weights,
  set: TranscoderSet,
  tokens: readonly number[],
  repeats = 5,
): Promise<number> {
  const P = tokens.length;
  const model = new GpuGpt2(device, shaders, weights, P, P);
  const linear = new LinearKernels(device, shaders);
  const applies = set.layers.flatMap((t) =>
    t ? [{ t, apply: new GpuDictionaryApply(device, linear, t.spec, t.params, P) }] : [],
  );
  const logits = model.createLogitsBuffer(P);
  try {
    model.setTokens(tokens);
    const handlers = applies.flatMap(({ t, apply }) =>
      apply.spliceHandlers(t.spec.hookName, t.spec.hookNameOut),
    );
    const once = async () => {
      const start = performance.now();
      const encoder = device.createCommandEncoder();
      model.encodeForward(encoder, { nSeq: 1, seqLen: P, handlers, logits });
      device.queue.submit([encoder.finish()]);
      await readFloats(device, logits, model.vocabPadded, (P - 1) * model.vocabPadded * 4);
      return (performance.now() - start) / 1000;
    };
    await once();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(await once());
    return times.sort((a, b) => a - b)[repeats >> 1]!;
  } finally {
    logits.destroy();
    for (const { apply } of applies) apply.destroy();
    model.destroy();
  }
}
