import type { TokenCorpus } from "../stream/tokenCorpus.ts";

/**
 * The sequences a feature pass reads: `count` windows of `seqLen` tokens, addressed by index
 * (the pass reads them twice). Examples are (sequence, position) within these windows.
 */
export interface FeatureWindows {
  seqLen: number;
  count: number;
  /** Windows [first, first + n), row-major [n, seqLen]. */
  read(first: number, n: number): Uint32Array;
}

/**
 * Consecutive windows of a token list, each `seqLen` tokens long, starting with BOS when
 * `prependBos`; a remainder shorter than a window is left out (a list shorter than one window
 * is one shorter window).
 */
export function tokenListWindows(
  tokens: ArrayLike<number>,
  seqLen: number,
  prependBos: boolean,
  bos: number,
  maxWindows = Infinity,
): FeatureWindows {
  const shortList = tokens.length + (prependBos ? 1 : 0) < seqLen;
  const len = shortList ? tokens.length + (prependBos ? 1 : 0) : seqLen;
  const body = len - (prependBos ? 1 : 0);
  if (body < 1) throw new RangeError("no tokens to read");
  const count = Math.min(maxWindows, Math.floor(tokens.length / body));
  return {
    seqLen: len,
    count,
    read(first, n) {
      const out = new Uint32Array(n * len);
      for (let s = 0; s < n; s++) {
        let o = s * len;
        if (prependBos) out[o++] = bos;
        const start = (first + s) * body;
        for (let i = 0; i < body; i++) out[o + i] = tokens[start + i]!;
      }
      return out;
    },
  };
}

/** The first `windows` consecutive windows of a corpus range. */
export function corpusWindows(
  corpus: TokenCorpus,
  range: { start: number; end: number },
  seqLen: number,
  prependBos: boolean,
  windows: number,
): FeatureWindows {
  const slice = corpus.tokens.subarray(range.start, range.end);
  const w = tokenListWindows(slice, seqLen, prependBos, corpus.bos, windows);
  if (w.count < windows) {
    throw new RangeError(
      `${corpus.name} holds ${w.count} windows of ${seqLen} tokens, fewer than ${windows}`,
    );
  }
  return w;
}
