import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { DEFAULT_EVAL_SEQUENCES, evaluateDictionary } from "../engine/stream/streamSession.ts";
import { loadBuiltinCorpus } from "../node/builtinCorpus.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { recognize, describeRecognized } from "../engine/formats/recognize/index.ts";
import { withNormScale } from "../engine/formats/recognize/finishLoad.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import { bindToModelSaying } from "./bindDictionary.ts";
import { openOnePathSet } from "../node/zipPathSets.ts";
import { CliError, runCli } from "./cliError.ts";
import { DICT_CLASS_OPTION, dictClassHelp, recognizeOptionsFrom } from "./dictClassFlag.ts";
import { intFlag, numberFlag, parseCommandFlags, stringFlag } from "./flags.ts";
import { MODEL_HELP, MODEL_OPTIONS, parseModelFlags, sequenceSettings } from "./modelFlags.ts";
import { readModelQuality } from "./modelQuality.ts";
import { runSetEval, TRANSCODERS_HELP, takeTranscoderPaths } from "./transcoderSetEval.ts";

const USAGE =
  "usage: npm run eval -- --model builtin|DIR --dict PATH | --transcoders PATH... [--sequences N] [--no-processing] " +
  "[--prepend-bos | --no-prepend-bos] [--context-size N] [--include-special-tokens]";

const HELP = `${USAGE}

Splices a dictionary (any format npm run convert recognises) into the model at its
hook_name / hook_name_out and prints, as JSON, sae_lens.evals's metrics on windows spread
evenly over the built-in corpus's held-out slice: ce_loss_without_sae, ce_loss_with_sae,
ce_loss_with_ablation (the site zero-ablated), ce_loss_score = (with_ablation - with_sae) /
(with_ablation - without_sae), kl_div_with_sae, kl_div_with_ablation, kl_div_score, and
eval_windows (the token offsets of the windows, context size, BOS and excluded tokens), and
model_quality when the model folder's training.json measured it (held-out loss, and what
zero-ablating each layer's MLP costs: the layers worth a transcoder).

${MODEL_HELP}
  --dict PATH            a dictionary file or folder: SAELens, sparsify, circuit-tracer,
                         transcoder_circuits .pt, ... (see npm run convert -- --help); a
                         .zip of folders (a run's Download) as FILE.zip:FOLDER
  --norm-scaling-factor S
                         the constant an expected_average_only_in dictionary was trained
                         with, when its files do not carry it
${TRANSCODERS_HELP}
${dictClassHelp(25)}
  --sequences N          held-out windows (default ${DEFAULT_EVAL_SEQUENCES})
  --include-special-tokens
                         splice and average at <|endoftext|> positions too (default: as
                         sae_lens.evals, keep the model's own activations there and leave
                         those positions out of the means)`;

runCli("eval", async () => {
  const str = { type: "string" } as const;
  const { rest, paths: transcoders } = takeTranscoderPaths(process.argv.slice(2));
  const v = parseCommandFlags(
    rest,
    {
      ...MODEL_OPTIONS,
      dict: str,
      sequences: str,
      "include-special-tokens": { type: "boolean" },
      "norm-scaling-factor": str,
      ...DICT_CLASS_OPTION,
    },
    USAGE,
    HELP,
  );
  if (!v) return;
  const flags = parseModelFlags(v, stringFlag(v, "model"));
  const sequences = intFlag(v, "sequences", DEFAULT_EVAL_SEQUENCES);
  if (transcoders) {
    if (v.dict !== undefined) throw new CliError("give --dict or --transcoders, not both");
    await runSetEval(flags, transcoders, sequences, v["include-special-tokens"] !== true);
    return;
  }
  const dictDir = stringFlag(v, "dict");
  const scale =
    v["norm-scaling-factor"] === undefined
      ? undefined
      : numberFlag(v, "norm-scaling-factor", undefined, { positive: true });
  const set = await openOnePathSet(dictDir);
  let dict;
  try {
    const recognized = await recognize(set, recognizeOptionsFrom(v));
    if (recognized.kind !== "dictionary") {
      throw new CliError(
        `--dict ${dictDir}: ${describeRecognized(recognized)}; expected a dictionary`,
      );
    }
    try {
      dict = withNormScale(await recognized.load(), scale);
    } catch (e) {
      if (e instanceof Error && e.name === "NeedsNormScale") {
        throw new CliError(`--dict ${dictDir}: ${e.message}: --norm-scaling-factor S`);
      }
      throw e;
    }
  } finally {
    await set.close();
  }
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  const modelLabel = flags.model === "builtin" ? "the built-in gpt2-brown" : flags.model;
  const mismatch = dictionaryMismatch(dict.spec, weights.config, modelLabel);
  if (mismatch) throw new CliError(`--dict ${dictDir}: ${mismatch}`);
  dict = bindToModelSaying(dict, weights, modelLabel, `--dict ${dictDir}`);
  const { prependBos, contextSize } = sequenceSettings(flags, weights.config, dict.spec);
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
      {
        sequences,
        contextSize,
        prependBos,
        excludeSpecialTokens: v["include-special-tokens"] !== true,
      },
    ).catch((e: unknown) => {
      throw new CliError(`--dict ${dictDir}: ${(e as Error).message}`);
    });
    const quality = await readModelQuality(flags.model);
    const out = quality ? { ...metrics, model_quality: quality } : metrics;
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } finally {
    model.destroy();
  }
});
