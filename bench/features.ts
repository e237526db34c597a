/**
 * npm run bench:features [-- --model builtin|DIR] [--layer L] [--d-sae N] [--tokens N]
 *
 * The feature pass (FeatureStatsPass: model to the transcoder's input, dictionary, statistics,
 * two reads of the tokens) against the model's forward pass alone over the same windows, in
 * one run on one adapter, as JSON: the forward up to the hooked layer (what the pass runs) and
 * the full forward with logits, and the pass's cost relative to each. Weight views are not
 * timed (they do not depend on the tokens).
 */
import { parseArgs } from "node:util";
import { initDictionary } from "../src/engine/dictionary/init.ts";
import type { DictionarySpec } from "../src/engine/dictionary/spec.ts";
import { FeatureStatsPass } from "../src/engine/features/featureStatsPass.ts";
import { corpusWindows } from "../src/engine/features/featureWindows.ts";
import { GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { transcoderSites } from "../src/engine/model/hooks.ts";
import { GPT2_SPECIAL_TOKENS } from "../src/engine/stream/tokenCorpus.ts";
import { loadBuiltinCorpus } from "../src/node/builtinCorpus.ts";
import { loadModelFolder } from "../src/node/modelFolder.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "builtin" },
    layer: { type: "string", default: "1" },
    "d-sae": { type: "string", default: "1024" },
    tokens: { type: "string", default: "100000" },
  },
  strict: true,
});
const layer = Number(values.layer);
const { device, adapterName } = await acquireNodeDevice();
const shaders = loadNodeShaders();
const weights = await loadModelFolder(values.model, { processing: true });
const corpus = await loadBuiltinCorpus();
const T = weights.config.nCtx;
const seqsPerChunk = Math.max(1, Math.floor(2048 / T));
const windows = corpusWindows(
  corpus,
  corpus.train,
  T,
  false,
  Math.max(1, Math.floor(Number(values.tokens) / T)),
);
const model = new GpuGpt2(device, shaders, weights, seqsPerChunk * T);
const { input, output } = transcoderSites(layer);
const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: weights.config.dModel,
  dSae: Number(values["d-sae"]),
  dOut: weights.config.dModel,
  applyBDecToInput: false,
  hookName: input,
  hookNameOut: output,
  modelName: values.model,
  normalizeActivations: "none",
};
const params = initDictionary(spec, 0);
const idle = () => device.queue.onSubmittedWorkDone();

async function forwardSeconds(withLogits: boolean): Promise<number> {
  const logits = withLogits ? model.createLogitsBuffer() : undefined;
  const start = performance.now();
  for (let first = 0; first < windows.count; first += seqsPerChunk) {
    const n = Math.min(seqsPerChunk, windows.count - first);
    model.setTokens(windows.read(first, n));
    const encoder = device.createCommandEncoder();
    model.encodeForward(encoder, {
      nSeq: n,
      seqLen: T,
      lastLayer: withLogits ? undefined : layer,
      logits,
    });
    device.queue.submit([encoder.finish()]);
    if ((first / seqsPerChunk) % 4 === 3) await idle();
  }
  await idle();
  logits?.destroy();
  return (performance.now() - start) / 1000;
}

const pass = new FeatureStatsPass(device, shaders, model, spec, params);
const passSeconds = async () => {
  const start = performance.now();
  await pass.run(windows, { seed: 0, excludeTokens: GPT2_SPECIAL_TOKENS });
  return (performance.now() - start) / 1000;
};
await forwardSeconds(false);
const toLayer = await forwardSeconds(false);
const full = await forwardSeconds(true);
const features = await passSeconds();
pass.destroy();
model.destroy();

const tokens = windows.count * T;
process.stdout.write(
  JSON.stringify(
    {
      adapter: adapterName,
      model: values.model,
      layer,
      d_sae: spec.dSae,
      tokens,
      forward_to_layer_s: Number(toLayer.toFixed(3)),
      forward_with_logits_s: Number(full.toFixed(3)),
      feature_pass_s: Number(features.toFixed(3)),
      feature_pass_vs_forward_to_layer: Number((features / toLayer).toFixed(3)),
      feature_pass_vs_forward_with_logits: Number((features / full).toFixed(3)),
    },
    null,
    2,
  ) + "\n",
);
process.exit(0);
