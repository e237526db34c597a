import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { evaluateDictionary } from "../engine/stream/streamSession.ts";
import { loadBuiltinCorpus } from "../node/builtinCorpus.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { loadSaelensFolder } from "../node/saelensFolder.ts";
import { CliError, runCli } from "./cliError.ts";
import { intFlag, parseCommandFlags, stringFlag } from "./flags.ts";
import { MODEL_HELP, MODEL_OPTIONS, parseModelFlags } from "./modelFlags.ts";

const USAGE =
  "usage: npm run eval -- --model builtin|DIR --dict DIR [--sequences N] [--no-processing] " +
  "[--prepend-bos] [--context-size N]";

const HELP = `${USAGE}

Splices a SAELens dictionary (cfg.json + sae_weights.safetensors) into the model at its
hook_name / hook_name_out and prints, as JSON, the CE loss on the built-in corpus's held-out
slice for the clean model, with the dictionary spliced in, and with the site zero-ablated,
ce_loss_score = (zero - spliced) / (zero - clean), and the mean KL(clean || spliced).

${MODEL_HELP}
  --dict DIR             a SAELens folder (SAE or transcoder)
  --sequences N          held-out sequences (default 16)`;

runCli("eval", async () => {
  const str = { type: "string" } as const;
  const v = parseCommandFlags(
    process.argv.slice(2),
    { ...MODEL_OPTIONS, dict: str, sequences: str },
    USAGE,
    HELP,
  );
  if (!v) return;
  const flags = parseModelFlags(v, stringFlag(v, "model"));
  const dictDir = stringFlag(v, "dict");
  const sequences = intFlag(v, "sequences", 16);
  const dict = await loadSaelensFolder(dictDir);
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  const cfg = weights.config;
  const contextSize = flags.contextSize ?? dict.spec.contextSize ?? cfg.nCtx;
  if (contextSize > cfg.nCtx) {
    throw new CliError(`context size ${contextSize} exceeds the model's n_positions (${cfg.nCtx})`);
  }
  const { device } = await acquireNodeDevice();
  const shaders = loadNodeShaders();
  const model = new GpuGpt2(device, shaders, weights, 2 * contextSize, contextSize);
  try {
    const metrics = await evaluateDictionary(
      device,
      shaders,
      model,
      await loadBuiltinCorpus(),
      dict.spec,
      dict.params,
      { sequences, contextSize, prependBos: flags.prependBos },
    ).catch((e: unknown) => {
      throw new CliError(`--dict ${dictDir}: ${(e as Error).message}`);
    });
    process.stdout.write(JSON.stringify(metrics, null, 2) + "\n");
  } finally {
    model.destroy();
  }
});
