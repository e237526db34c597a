/**
 * --dict-class: the dictionary_learning class of an ae.pt whose config.json does not name it
 * (AutoEncoderTopK and BatchTopKSAE have the same tensors), for every command that reads a
 * dictionary. The page asks the same question on the loaded item.
 */
import {
  DICT_CLASS_CHOICES,
  isDictClassChoice,
  type RecognizeOptions,
} from "../engine/formats/recognize/index.ts";
import { CliError } from "./cliError.ts";

export const DICT_CLASS_OPTION = { "dict-class": { type: "string" } } as const;

/** The help lines, the description starting at `column`. */
export function dictClassHelp(column: number): string {
  const pad = (s: string) => s.padEnd(column);
  return (
    `${pad("  --dict-class CLASS")}${DICT_CLASS_CHOICES.join(" or ")}: the class of a\n` +
    `${pad("")}dictionary_learning ae.pt without config.json (the two classes\n` +
    `${pad("")}have the same tensors, so the file alone does not say)`
  );
}

/** The recognizer's options from the parsed flags. */
export function recognizeOptionsFrom(v: Record<string, unknown>): RecognizeOptions {
  const c = v["dict-class"];
  if (c === undefined) return {};
  if (typeof c !== "string" || !isDictClassChoice(c)) {
    throw new CliError(
      `--dict-class is ${JSON.stringify(c)}; expected ${DICT_CLASS_CHOICES.join(" or ")}`,
    );
  }
  return { dictClass: c };
}
