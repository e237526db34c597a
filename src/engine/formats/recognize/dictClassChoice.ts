/**
 * dictionary_learning's AutoEncoderTopK and BatchTopKSAE save the same tensors (k, threshold,
 * encoder, decoder, b_dec): only config.json's trainer.dict_class tells them apart. Without it
 * the user says which (a choice on the page, --dict-class in the CLI); nothing is guessed.
 */
export const DICT_CLASS_CHOICES = ["AutoEncoderTopK", "BatchTopKSAE"] as const;
export type DictClassChoice = (typeof DICT_CLASS_CHOICES)[number];

export function isDictClassChoice(s: string): s is DictClassChoice {
  return (DICT_CLASS_CHOICES as readonly string[]).includes(s);
}

/** What the user says where the files alone cannot. */
export interface RecognizeOptions {
  dictClass?: DictClassChoice;
}

/** The files do not say which dictionary_learning class they hold; recognize again with one. */
export class NeedsDictClass extends Error {
  override readonly name = "NeedsDictClass";
  readonly choices = DICT_CLASS_CHOICES;
}
