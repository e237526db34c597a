/**
 * How much ce_loss_score moves with the choice of held-out windows: evaluates one dictionary
 * on K disjoint sets of N windows, each spread over the whole held-out slice (set k takes the
 * windows just after set 0's, shifted by k), and prints each set's metrics and their spread.
 *
 *   npx tsx bench/evalSpread.ts --dict DIR [--model builtin] [--sequences 64] [--sets 6]
 */
import { parseArgs } from "node:util";
import { GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { evaluateDictionary } from "../src/engine/stream/streamSession.ts";
import { windowCount } from "../src/engine/stream/tokenCorpus.ts";
import { loadBuiltinCorpus } from "../src/node/builtinCorpus.ts";
import { loadModelFolder } from "../src/node/modelFolder.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { loadSaelensFolder } from "../src/node/saelensFolder.ts";

const { values } = parseArgs({
  options: {
    dict: { type: "string" },
    model: { type: "string", default: "builtin" },
    sequences: { type: "string", default: "64" },
    sets: { type: "string", default: "6" },
  },
});
const n = Number(values.sequences);
const sets = Number(values.sets);
const { device, adapterName } = await acquireNodeDevice();
const shaders = loadNodeShaders();
const weights = await loadModelFolder(values.model, { processing: true });
const corpus = await loadBuiltinCorpus();
const dict = await loadSaelensFolder(values.dict!);
const contextSize = dict.spec.contextSize ?? weights.config.nCtx;
const prependBos = dict.spec.prependBos ?? false;
const body = contextSize - (prependBos ? 1 : 0);
const total = windowCount(corpus.heldOut, body);
if (n * sets > total) throw new Error(`${sets} sets of ${n} windows need more than ${total}`);
const model = new GpuGpt2(device, shaders, weights, 2 * contextSize, contextSize);
const scores: number[] = [];
const rows = [];
for (let k = 0; k < sets; k++) {
  const starts = Array.from(
    { length: n },
    (_, i) => corpus.heldOut.start + (Math.floor((i * total) / n) + k) * body,
  );
  const m = await evaluateDictionary(device, shaders, model, corpus, dict.spec, dict.params, {
    sequences: n,
    starts,
    contextSize,
    prependBos,
    excludeSpecialTokens: true,
  });
  scores.push(m.ce_loss_score);
  rows.push({
    set: k,
    ce_loss_score: m.ce_loss_score,
    ce_loss_without_sae: m.ce_loss_without_sae,
    ce_loss_with_sae: m.ce_loss_with_sae,
    ce_loss_with_ablation: m.ce_loss_with_ablation,
    kl_div_with_sae: m.kl_div_with_sae,
  });
}
model.destroy();
const mean = scores.reduce((a, b) => a + b, 0) / sets;
const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (sets - 1));
process.stdout.write(
  JSON.stringify(
    {
      adapter: adapterName,
      dict: values.dict,
      windowsPerSet: n,
      sets: rows,
      ce_loss_score: { mean, sd, min: Math.min(...scores), max: Math.max(...scores) },
    },
    null,
    2,
  ) + "\n",
);
