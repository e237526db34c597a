/**
 * How much the expected_average_only_in scale moves with the sample: the scale from N windows
 * spread over the training slice (the default, 32) against one from many more windows, for a
 * transcoder's two sites.
 *
 *   npx tsx bench/normScaleSpread.ts [--model builtin] [--layer 1] [--windows 32] [--reference 512]
 */
import { parseArgs } from "node:util";
import { GpuGpt2 } from "../src/engine/model/gpuGpt2.ts";
import { transcoderSites } from "../src/engine/model/hooks.ts";
import { estimateNormScales } from "../src/engine/stream/normScales.ts";
import { GPT2_SPECIAL_TOKENS } from "../src/engine/stream/tokenCorpus.ts";
import { loadBuiltinCorpus } from "../src/node/builtinCorpus.ts";
import { loadModelFolder } from "../src/node/modelFolder.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "builtin" },
    layer: { type: "string", default: "1" },
    windows: { type: "string", default: "32" },
    reference: { type: "string", default: "512" },
  },
});
const { device, adapterName } = await acquireNodeDevice();
const weights = await loadModelFolder(values.model, { processing: true });
const corpus = await loadBuiltinCorpus();
const T = weights.config.nCtx;
const model = new GpuGpt2(device, loadNodeShaders(), weights, 8 * T, T);
const { input, output } = transcoderSites(Number(values.layer));
const scales = async (windows: number) =>
  estimateNormScales(device, model, corpus, [input, output], {
    contextSize: T,
    prependBos: false,
    windows,
    excludeTokens: GPT2_SPECIAL_TOKENS,
  });
const small = await scales(Number(values.windows));
const large = await scales(Number(values.reference));
model.destroy();
const rows = [input, output].map((site) => ({
  site,
  [`windows_${values.windows}`]: small.get(site),
  [`windows_${values.reference}`]: large.get(site),
  relative_difference: small.get(site)! / large.get(site)! - 1,
}));
process.stdout.write(JSON.stringify({ adapter: adapterName, sites: rows }, null, 2) + "\n");
