/**
 * `npm run eval -- --model M --transcoders PATH...`: a transcoder set's quality as a whole (every
 * layer's MLP replaced at once: ce_loss_score and the replacement model's KL to the original)
 * beside each of its transcoders spliced in alone, on the same held-out windows.
 */
import { dirname } from "node:path";
import { readTranscoderSet } from "../engine/circuits/setFiles.ts";
import { mergeFileSets } from "../engine/circuits/setFilesItems.ts";
import { evaluateTranscoderSet, type SetEvaluation } from "../engine/circuits/setQuality.ts";
import type { TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import type { FileSet } from "../engine/formats/fileSet.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import { GpuGpt2 } from "../engine/model/gpuGpt2.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { unprocessedLn2 } from "../engine/model/mlpInputSite.ts";
import { evaluateDictionary } from "../engine/stream/streamSession.ts";
import type { TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { loadBuiltinCorpus } from "../node/builtinCorpus.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { openPathItems } from "../node/zipPathSets.ts";
import { CliError } from "./cliError.ts";
import { sequenceSettings, type ModelFlags } from "./modelFlags.ts";

export const TRANSCODERS_HELP = `  --transcoders PATH...
                         a transcoder set instead of --dict: a set folder written by
                         npm run train --layers (or the Runs view's Download set zip), a
                         circuit-tracer config.yaml (its layer files beside it), or
                         per-layer files of any format --dict reads (e.g. one
                         transcoder_circuits .pt per layer); a layer without one keeps
                         its MLP. Prints transcoder_set (every transcoder spliced in at
                         once; kl_div_with_sae is the replacement model's KL to the
                         original, mean per token) and layers (each alone)`;

/**
 * `--transcoders A B C` as the paths after the flag, up to the next flag (node's parseArgs
 * takes one value per flag); the other arguments are returned for the usual parsing.
 */
export function takeTranscoderPaths(argv: readonly string[]): { rest: string[]; paths?: string[] } {
  const at = argv.indexOf("--transcoders");
  if (at < 0) return { rest: [...argv] };
  let end = at + 1;
  while (end < argv.length && !argv[end]!.startsWith("--")) end++;
  const paths = argv.slice(at + 1, end);
  if (paths.length === 0) throw new CliError("--transcoders needs at least one path");
  return { rest: [...argv.slice(0, at), ...argv.slice(end)], paths };
}

/** Each path as one FileSet (a config.yaml brings its folder; a zip's folders stay together). */
async function openSetPaths(paths: readonly string[]) {
  const opened: { set: FileSet; close(): Promise<void> }[] = [];
  try {
    for (const path of paths) {
      const where = /\.ya?ml$/i.test(path) ? dirname(path) : path;
      const items = await openPathItems([where]);
      opened.push({
        set: mergeFileSets(
          path,
          items.items.map((i) => i.set),
        ),
        close: items.close,
      });
    }
  } catch (e) {
    await Promise.all(opened.map((o) => o.close()));
    throw e;
  }
  return { sets: opened.map((o) => o.set), close: () => Promise.all(opened.map((o) => o.close())) };
}

export async function readSetFromPaths(
  paths: readonly string[],
  weights: Gpt2Weights,
  modelLabel: string,
): Promise<TranscoderSet> {
  const opened = await openSetPaths(paths);
  try {
    return await readTranscoderSet(opened.sets, {
      config: weights.config,
      ln2Unprocessed: unprocessedLn2(weights),
      label: modelLabel,
    });
  } finally {
    await opened.close();
  }
}

export interface SetEvalOutput {
  transcoder_set: SetEvaluation & { model_name: string; sources: (string | null)[] };
  layers: ({ layer: number; source: string } & Omit<
    SetEvaluation,
    "eval_windows" | "replaced_layers"
  >)[];
}

export async function evaluateSetAndLayers(
  device: GPUDevice,
  shaders: ShaderLibrary,
  weights: Gpt2Weights,
  corpus: TokenCorpus,
  set: TranscoderSet,
  options: {
    sequences: number;
    contextSize: number;
    prependBos: boolean;
    excludeSpecialTokens: boolean;
  },
): Promise<SetEvalOutput> {
  const model = new GpuGpt2(device, shaders, weights, 2 * options.contextSize, options.contextSize);
  try {
    const whole = await evaluateTranscoderSet(device, shaders, model, corpus, set, options);
    const starts = whole.eval_windows.token_offsets;
    const layers = [];
    for (const [layer, t] of set.layers.entries()) {
      if (!t) continue;
      const { eval_windows: _windows, ...alone } = await evaluateDictionary(
        device,
        shaders,
        model,
        corpus,
        t.spec,
        t.params,
        { ...options, starts },
      );
      layers.push({ layer, source: t.source, ...alone });
    }
    return {
      transcoder_set: {
        ...whole,
        model_name: set.modelName,
        sources: set.layers.map((t) => t?.source ?? null),
      },
      layers,
    };
  } finally {
    model.destroy();
  }
}

/** One line for a run's log: the set's figures. */
export function setQualityLine(e: SetEvaluation): string {
  return (
    `transcoder set (layers ${e.replaced_layers.join(",")} replaced at once): ` +
    `ce_loss_score ${e.ce_loss_score.toFixed(4)}, KL to the original ${e.kl_div_with_sae.toFixed(4)} ` +
    `per token, ce_loss ${e.ce_loss_with_sae.toFixed(4)} (original ${e.ce_loss_without_sae.toFixed(4)})`
  );
}

/** The --transcoders branch of npm run eval: prints { transcoder_set, layers } as JSON. */
export async function runSetEval(
  flags: ModelFlags,
  paths: readonly string[],
  sequences: number,
  excludeSpecialTokens: boolean,
): Promise<void> {
  const weights = await loadModelFolder(flags.model, { processing: flags.processing });
  const modelLabel = flags.model === "builtin" ? "the built-in gpt2-brown" : flags.model;
  const set = await readSetFromPaths(paths, weights, modelLabel).catch((e: unknown) => {
    throw new CliError(`--transcoders: ${(e as Error).message}`);
  });
  const first = set.layers.find((t) => t)!;
  const { prependBos, contextSize } = sequenceSettings(flags, weights.config, first.spec);
  const { device } = await acquireNodeDevice();
  const out = await evaluateSetAndLayers(
    device,
    loadNodeShaders(),
    weights,
    await loadBuiltinCorpus(),
    set,
    { sequences, contextSize, prependBos, excludeSpecialTokens },
  );
  process.stderr.write(setQualityLine(out.transcoder_set) + "\n");
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}
