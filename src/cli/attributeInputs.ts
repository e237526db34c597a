import { basename, resolve } from "node:path";
import type { TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { encodeText, GPT2_EOT } from "../engine/text/tokenizer.ts";
import { loadModelFolder } from "../node/modelFolder.ts";
import { CliError } from "./cliError.ts";
import { readSetFromPaths } from "./transcoderSetEval.ts";

/** What attribution runs on: the model, its transcoder set and the prompt's tokens. */
export interface AttributeInputs {
  weights: Gpt2Weights;
  set: TranscoderSet;
  /** The prompt's tokens, without the BOS that attribute() puts first. */
  tokens: number[];
  /** The model's name: the graph's metadata.scan. */
  scan: string;
}

export function modelScan(model: string): string {
  return model === "builtin" ? "gpt2-brown" : basename(resolve(model));
}

/** The prompt's GPT-2 tokens, refused when empty or, with BOS first, longer than the context. */
export function promptTokens(prompt: string, nCtx: number): number[] {
  const tokens = encodeText(prompt);
  if (tokens.length === 0) throw new CliError("--prompt is empty; give the text to attribute");
  const withBos = tokens[0] === GPT2_EOT ? tokens.length : tokens.length + 1;
  if (withBos > nCtx) {
    throw new CliError(
      `--prompt has ${withBos} tokens with <|endoftext|> first; the model's context is ${nCtx} tokens`,
    );
  }
  return tokens;
}

export async function loadAttributeInputs(settings: {
  model: string;
  processing: boolean;
  transcoders: readonly string[];
  prompt: string;
}): Promise<AttributeInputs> {
  const weights = await loadModelFolder(settings.model, { processing: settings.processing });
  const tokens = promptTokens(settings.prompt, weights.config.nCtx);
  const label = settings.model === "builtin" ? "the built-in gpt2-brown" : settings.model;
  const set = await readSetFromPaths(settings.transcoders, weights, label).catch((e: unknown) => {
    throw new CliError(`--transcoders: ${(e as Error).message}`);
  });
  return { weights, set, tokens, scan: modelScan(settings.model) };
}
