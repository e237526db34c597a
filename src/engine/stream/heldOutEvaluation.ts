/**
 * The spliced-in evaluation on held-out windows that one dictionary (evaluateDictionary) and a
 * transcoder set (evaluateTranscoderSet) share: which windows, and the metrics with the record
 * of those windows (eval_windows), so that anyone can run the same tokens.
 */
import {
  evaluateSpliced,
  type EvalControl,
  type EvalWindows,
  type SpliceSpec,
  type SplicedMetrics,
} from "../eval/splicedEval.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import type { GpuGpt2 } from "../model/gpuGpt2.ts";
import {
  evenlySpacedWindows,
  GPT2_SPECIAL_TOKENS,
  listedWindows,
  SequenceSource,
  type TokenCorpus,
} from "./tokenCorpus.ts";

/** Spliced-in metrics with the windows they were measured on. */
export type DictionaryEvaluation = SplicedMetrics & { eval_windows: EvalWindows };

export interface HeldOutOptions {
  sequences: number;
  /** Window starts to use instead of `sequences` windows spread evenly over the slice. */
  starts?: readonly number[];
  contextSize: number;
  prependBos: boolean;
  excludeSpecialTokens: boolean;
  /** Hears the windows done, and may pause or stop the evaluation between forward passes. */
  control?: EvalControl;
}

/**
 * The windows evaluated: `starts`, or `sequences` windows spread evenly over all of the held-out
 * slice (never more than it holds); and the rows of the largest forward pass over them, which
 * the splice's buffers must hold.
 */
export function heldOutWindows(
  model: GpuGpt2,
  corpus: TokenCorpus,
  options: HeldOutOptions,
): { starts: number[]; rows: number } {
  const { contextSize, prependBos } = options;
  const body = contextSize - (prependBos ? 1 : 0);
  const starts = options.starts
    ? [...options.starts]
    : evenlySpacedWindows(corpus.heldOut, body, options.sequences);
  if (starts.length === 0) {
    throw new Error(`the held-out slice is shorter than one sequence of ${body} tokens`);
  }
  return { starts, rows: Math.min(model.maxRows, starts.length * contextSize) };
}

/** Spliced-in metrics of `splice` on the held-out windows at `starts`. */
export async function evaluateHeldOut(
  device: GPUDevice,
  shaders: ShaderLibrary,
  model: GpuGpt2,
  corpus: TokenCorpus,
  starts: number[],
  options: HeldOutOptions,
  splice: SpliceSpec,
): Promise<DictionaryEvaluation> {
  const { contextSize, prependBos } = options;
  const source = new SequenceSource(corpus, corpus.heldOut, contextSize, prependBos, () =>
    listedWindows(starts),
  );
  const excludeTokens = options.excludeSpecialTokens ? GPT2_SPECIAL_TOKENS : [];
  const metrics = await evaluateSpliced(
    device,
    shaders,
    model,
    source,
    starts.length,
    splice,
    excludeTokens,
    options.control,
  );
  return {
    ...metrics,
    eval_windows: {
      corpus: corpus.name,
      token_offsets: starts,
      context_size: contextSize,
      prepend_bos: prependBos,
      exclude_special_tokens: [...excludeTokens],
    },
  };
}
