/** The CLI's binding of a loaded dictionary to the model it runs on (mlpInputSite.ts). */
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import {
  bindToModel,
  foldedNote,
  mlpInputLayer,
  unprocessedLn2,
} from "../engine/model/mlpInputSite.ts";

/** bindToModel, saying on stderr what was folded in and why. */
export function bindToModelSaying<T extends { spec: DictionarySpec; params: DictionaryParams }>(
  d: T,
  weights: Gpt2Weights,
  modelLabel: string,
  what: string,
): T {
  const layer = mlpInputLayer(d.spec);
  const bound = bindToModel(d, { config: weights.config, ln2Unprocessed: unprocessedLn2(weights) });
  if (layer !== undefined && bound !== d) {
    process.stderr.write(`${what}: ${foldedNote(layer, modelLabel)}\n`);
  }
  return bound;
}
