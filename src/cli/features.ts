import { readFile, writeFile } from "node:fs/promises";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { matchFeatures } from "../engine/features/featureMatchPass.ts";
import {
  CHANCE_QUANTILE,
  type FeatureMatches,
  type MatchColumn,
} from "../engine/features/featureMatching.ts";
import { TOP_EXAMPLES } from "../engine/features/featureStats.ts";
import { FeatureStatsPass } from "../engine/features/featureStatsPass.ts";
import { featuresJson } from "../engine/features/featuresJson.ts";
import {
  corpusWindows,
  tokenListWindows,
  type FeatureWindows,
} from "../engine/features/featureWindows.ts";
import { weightViews } from "../engine/features/weightViews.ts";
import { withNormScale } from "../engine/formats/recognize/finishLoad.ts";
import {
  describeRecognized,
  recognize,
  type RecognizeOptions,
} from "../engine/formats/recognize/index.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import { bindToModelSaying } from "./bindDictionary.ts";
import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import { GPT2_SPECIAL_TOKENS } from "../engine/stream/tokenCorpus.ts";
import { decodeTokens, encodeText, GPT2_EOT } from "../engine/text/tokenizer.ts";
import { loadBuiltinCorpus } from "../node/builtinCorpus.ts";
import { fileError } from "../node/fileByteSource.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { openOnePathSet } from "../node/zipPathSets.ts";
import { CliError, runCli } from "./cliError.ts";
import { DICT_CLASS_OPTION, dictClassHelp, recognizeOptionsFrom } from "./dictClassFlag.ts";
import { intFlag, parseCommandFlags, stringFlag } from "./flags.ts";
import {
  MODEL_HELP,
  MODEL_OPTIONS,
  modelName,
  parseModelFlags,
  sequenceSettings,
} from "./modelFlags.ts";

const USAGE =
  "usage: npm run features -- --model builtin|DIR --dict PATH (--text-file FILE | --tokens N) " +
  "[--train-slice] [--top K] [--context C] [--include-special] [--seed S] [--match PATH] " +
  "--out features.json";

const HELP = `${USAGE}

Runs the model and the dictionary over the tokens and writes, per feature, what the feature
inspector shows (schema: README, "npm run features"): density, max and mean activation,
linear and log histograms, the top examples and interval samples (away from the windows'
edges, SAEDashboard's buffer), with the decoder norms folded in as SAEDashboard folds them,
the top and bottom logits (raw and through ln_final), a transcoder's de-embedding and the
nearest features by decoder cosine.

${MODEL_HELP}
  --dict PATH            a dictionary file or folder (any format npm run convert reads); a
                         .zip of folders (a run's Download) as FILE.zip:FOLDER
  --text-file FILE       UTF-8 text, GPT-2 BPE, cut into consecutive windows of the context
                         size, each starting with BOS when the dictionary's prepend_bos says
                         so (or --prepend-bos / --no-prepend-bos); a remainder shorter than a
                         window is left out
  --tokens N             the first N tokens of the built-in corpus's held-out slice (as the
                         page's dashboards read it), in whole windows
  --train-slice          with --tokens: read the training slice instead
  --top K                top examples written per feature (default and at most ${TOP_EXAMPLES})
  --context C            tokens of context either side of an example (default 5)
  --include-special      count <|endoftext|> positions too (default: left out)
  --seed S               seeds the interval samples (default 0)
  --match PATH           a second dictionary: for each feature, its best match there by decoder
                         cosine and by activation correlation over the same tokens, with chance
                         baselines (a "matches" block)
${dictClassHelp(25)}
  --out FILE             the JSON file to write`;

runCli("features", async () => {
  const str = { type: "string" } as const;
  const v = parseCommandFlags(
    process.argv.slice(2),
    {
      ...MODEL_OPTIONS,
      dict: str,
      "text-file": str,
      tokens: str,
      top: str,
      context: str,
      seed: str,
      match: str,
      out: str,
      "include-special": { type: "boolean" },
      "train-slice": { type: "boolean" },
      ...DICT_CLASS_OPTION,
    },
    USAGE,
    HELP,
  );
  if (!v) return;
  const flags = parseModelFlags(v, stringFlag(v, "model"));
  const dictPath = stringFlag(v, "dict");
  const out = stringFlag(v, "out");
  const top = Math.min(intFlag(v, "top", TOP_EXAMPLES), TOP_EXAMPLES);
  const context = intFlag(v, "context", 5, 0);
  const seed = intFlag(v, "seed", 0, 0);
  if ((v["text-file"] === undefined) === (v.tokens === undefined)) {
    throw new CliError(`give --text-file FILE or --tokens N (${USAGE})`);
  }
  if (v["train-slice"] === true && v.tokens === undefined) {
    throw new CliError("--train-slice goes with --tokens N (it picks the corpus slice read)");
  }
  const options = recognizeOptionsFrom(v);
  let dict = await loadDictionary("dict", dictPath, options);
  const matchPath = v.match as string | undefined;
  let other =
    matchPath === undefined ? undefined : await loadDictionary("match", matchPath, options);
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  for (const [flag, path, d] of [
    ["dict", dictPath, dict],
    ["match", matchPath, other],
  ] as const) {
    const mismatch = d && dictionaryMismatch(d.spec, weights.config, flags.model);
    if (mismatch) throw new CliError(`--${flag} ${path}: ${mismatch}`);
  }
  dict = bindToModelSaying(dict, weights, flags.model, `--dict ${dictPath}`);
  other = other && bindToModelSaying(other, weights, flags.model, `--match ${matchPath}`);
  // BOS as npm run eval decides it: --prepend-bos / --no-prepend-bos, else cfg.json's.
  const textFile = v["text-file"] as string | undefined;
  const { prependBos, contextSize } = sequenceSettings(flags, weights.config, dict.spec);
  let windows: FeatureWindows;
  let source: string;
  if (textFile) {
    let text: string;
    try {
      text = await readFile(textFile, "utf8");
    } catch (e) {
      throw fileError(textFile, e);
    }
    const tokens = encodeText(text);
    if (tokens.length === 0) throw new CliError(`${textFile}: no tokens (the file is empty)`);
    windows = tokenListWindows(tokens, contextSize, prependBos, GPT2_EOT);
    source = `${textFile} (${tokens.length} tokens)`;
  } else {
    const corpus = await loadBuiltinCorpus();
    const n = intFlag(v, "tokens", undefined);
    // The held-out slice, as the page's dashboards read it; --train-slice for the other.
    const train = v["train-slice"] === true;
    const range = train ? corpus.train : corpus.heldOut;
    windows = corpusWindows(
      corpus,
      range,
      contextSize,
      prependBos,
      Math.max(1, Math.floor(n / contextSize)),
    );
    source = `${corpus.name} ${train ? "training" : "held-out"} slice`;
  }
  const excluded = v["include-special"] === true ? [] : [...GPT2_SPECIAL_TOKENS];
  const { device, adapterName } = await acquireNodeDevice();
  const shaders = loadNodeShaders();
  const seqsPerChunk = Math.max(1, Math.floor(2048 / windows.seqLen));
  const model = new GpuGpt2(
    device,
    shaders,
    weights,
    seqsPerChunk * windows.seqLen,
    windows.seqLen,
  );
  const pass = new FeatureStatsPass(device, shaders, model, dict.spec, dict.params);
  const started = performance.now();
  let stats;
  let matches: FeatureMatches | undefined;
  try {
    stats = await pass.run(windows, {
      seed,
      excludeTokens: excluded,
      onProgress: (done, total) =>
        process.stderr.write(`\rfeatures: ${done}/${total} tokens read (two reads)`),
    });
    if (other) {
      process.stderr.write("\n");
      matches = await matchFeatures(device, shaders, model, dict, other, windows, {
        seed,
        excludeTokens: excluded,
        onProgress: (done, total) =>
          process.stderr.write(`\rfeatures: matching, ${done}/${total} tokens read`),
      });
    }
  } finally {
    pass.destroy();
    model.destroy();
  }
  process.stderr.write("\n");
  const views = await weightViews(device, shaders, weights, dict.spec, dict.params, {
    onProgress: (view) => process.stderr.write(`features: ${view}\n`),
  });
  const json = featuresJson(
    {
      model: modelName(flags.model),
      dictionary: dictPath,
      source,
      context_size: windows.seqLen,
      prepend_bos: prependBos,
      excluded_tokens: excluded,
      seed,
    },
    dict.spec,
    windows,
    stats,
    views,
    { topExamples: top, context, decode: (t) => decodeTokens([t]) },
  );
  const withMatches =
    matches && matchPath !== undefined
      ? { ...json, matches: matchesJson(matchPath, matches) }
      : json;
  await writeFile(out, JSON.stringify(withMatches) + "\n");
  process.stderr.write(
    `wrote ${out}: ${dict.spec.dSae} features over ${stats.tokens} tokens in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s on ${adapterName}\n`,
  );
});

async function loadDictionary(
  flag: string,
  path: string,
  options: RecognizeOptions,
): Promise<{ spec: DictionarySpec; params: DictionaryParams }> {
  const set = await openOnePathSet(path);
  try {
    const recognized = await recognize(set, options);
    if (recognized.kind !== "dictionary") {
      throw new CliError(
        `--${flag} ${path}: ${describeRecognized(recognized)}; expected a dictionary`,
      );
    }
    return withNormScale(await recognized.load(), undefined);
  } finally {
    await set.close();
  }
}

function columnJson(column: MatchColumn | undefined, note: string | undefined) {
  if (!column) return { note };
  return {
    threshold: column.threshold,
    matched_fraction: column.matched,
    best: Array.from(column.index),
    value: Array.from(column.value),
    baseline: Array.from(column.baseline),
  };
}

/** The "matches" block: per feature of --dict, its best --match feature by each statistic. */
function matchesJson(path: string, m: FeatureMatches) {
  return {
    dictionary: path,
    d_sae: m.dSaeB,
    chance_quantile: CHANCE_QUANTILE,
    tokens: m.tokens,
    baseline_tokens: m.baselineTokens,
    correlation_pairs: m.pairs,
    decoder_cosine: columnJson(m.cosine, m.cosineNote),
    correlation: columnJson(m.correlation, m.correlationNote),
  };
}
