import type { TokenCorpus } from "../stream/tokenCorpus.ts";

/**
 * The token ids that occur in the corpus (all of it: what a model trained on it has seen),
 * sorted, and how many of the vocabulary's ids do not.
 */
export function corpusVocabulary(
  corpus: Pick<TokenCorpus, "tokens">,
  vocabSize: number,
): { present: Uint32Array; absent: number } {
  const seen = new Uint8Array(vocabSize);
  for (const t of corpus.tokens) if (t >= 0 && t < vocabSize) seen[t] = 1;
  let n = 0;
  for (const s of seen) n += s;
  const present = new Uint32Array(n);
  let i = 0;
  for (let t = 0; t < vocabSize; t++) if (seen[t]) present[i++] = t;
  return { present, absent: vocabSize - n };
}
