import { seededRandom } from "../dictionary/init.ts";
import { FormatError } from "../formats/formatError.ts";

/** A tokenized corpus with a training range and a held-out range, [start, end) in tokens. */
export interface TokenCorpus {
  name: string;
  tokens: Uint16Array | Uint32Array | Int32Array;
  train: { start: number; end: number };
  heldOut: { start: number; end: number };
  /** GPT-2's <|endoftext|>, used as BOS when prepending. */
  bos: number;
}

/** The built-in corpus: a little-endian uint16 token file and its JSON index (brown.json). */
export function parseBuiltinCorpus(
  tokenBytes: Uint8Array,
  indexText: string,
  names = { tokens: "brown.tokens.u16", index: "brown.json" },
): TokenCorpus {
  const index = JSON.parse(indexText) as {
    tokens: number;
    eotToken: number;
    train: { start: number; end: number };
    heldOut: { start: number; end: number };
  };
  if (tokenBytes.byteLength !== index.tokens * 2) {
    throw new FormatError(
      names.tokens,
      `has ${tokenBytes.byteLength} bytes; ${names.index} says ${index.tokens} uint16 tokens ` +
        `(${index.tokens * 2} bytes)`,
    );
  }
  const tokens = new Uint16Array(index.tokens);
  const view = new DataView(tokenBytes.buffer, tokenBytes.byteOffset, tokenBytes.byteLength);
  for (let i = 0; i < tokens.length; i++) tokens[i] = view.getUint16(i * 2, true);
  return {
    name: "builtin:brown",
    tokens,
    train: index.train,
    heldOut: index.heldOut,
    bos: index.eotToken,
  };
}

/** A corpus made of one token list (e.g. a tokenized text file), all of it both splits. */
export function corpusFromTokens(name: string, tokens: Int32Array, bos = 50256): TokenCorpus {
  const all = { start: 0, end: tokens.length };
  return { name, tokens, train: all, heldOut: all, bos };
}

/** GPT-2's special tokens (SAELens's get_special_token_ids: bos, eos, pad, unk are all this). */
export const GPT2_SPECIAL_TOKENS: readonly number[] = [50256];

/** A token range cut into windows of `body` tokens, [start, end) in tokens. */
export function windowCount(range: { start: number; end: number }, body: number): number {
  return Math.floor((range.end - range.start) / body);
}

/**
 * `n` of the range's non-overlapping `body`-token windows, spread evenly over all of it (every
 * genre of the held-out slice, not just the first): the token offsets where they start.
 */
export function evenlySpacedWindows(
  range: { start: number; end: number },
  body: number,
  n: number,
): number[] {
  const total = windowCount(range, body);
  const count = Math.min(n, total);
  return Array.from(
    { length: count },
    (_, i) => range.start + Math.floor((i * total) / count) * body,
  );
}

/** Where the next window starts: an order over a range's windows. */
export interface WindowOrder {
  next(): number;
}

/**
 * The range's non-overlapping windows in a seeded random order, a new order each epoch, as a
 * shuffled pretokenized dataset serves them (SAELens reads its dataset shuffled). Reading the
 * built-in Brown slice contiguously would walk through it genre by genre.
 */
export function shuffledWindows(
  range: { start: number; end: number },
  body: number,
  seed: number,
): WindowOrder {
  const n = windowCount(range, body);
  const random = seededRandom(seed);
  const order = new Uint32Array(n);
  let i = n;
  return {
    next() {
      if (i >= n) {
        for (let k = 0; k < n; k++) order[k] = k;
        for (let k = n - 1; k > 0; k--) {
          const j = Math.floor(random() * (k + 1));
          [order[k], order[j]] = [order[j]!, order[k]!];
        }
        i = 0;
      }
      return range.start + order[i++]! * body;
    },
  };
}

/** The listed window starts in turn, from the first again after the last. */
export function listedWindows(starts: readonly number[]): WindowOrder {
  let i = 0;
  return {
    next() {
      const s = starts[i % starts.length]!;
      i++;
      return s;
    },
  };
}

/** Consecutive windows from the range's start, wrapping around at its end. */
export function consecutiveWindows(
  range: { start: number; end: number },
  body: number,
): WindowOrder {
  let cursor = range.start;
  return {
    next() {
      if (cursor + body > range.end) cursor = range.start;
      const s = cursor;
      cursor += body;
      return s;
    },
  };
}

/**
 * Model input: seqLen tokens per sequence, the first being BOS when prependBos, then
 * seqLen - 1 corpus tokens from the window the order gives (default: consecutive windows).
 */
export class SequenceSource {
  private served = 0;
  private readonly order: WindowOrder;
  /** Corpus tokens per sequence (seqLen minus the BOS). */
  readonly body: number;

  constructor(
    private readonly corpus: TokenCorpus,
    range: { start: number; end: number },
    readonly seqLen: number,
    readonly prependBos: boolean,
    order?: (range: { start: number; end: number }, body: number) => WindowOrder,
  ) {
    this.body = seqLen - (prependBos ? 1 : 0);
    if (this.body < 1) throw new RangeError(`sequence length ${seqLen} leaves no room for tokens`);
    if (range.end - range.start < this.body) {
      throw new RangeError(
        `${corpus.name}: the range [${range.start}, ${range.end}) is shorter than one sequence (${this.body} tokens)`,
      );
    }
    this.order = (order ?? consecutiveWindows)(range, this.body);
  }

  /** Tokens handed out so far (BOS included). */
  get tokensServed(): number {
    return this.served;
  }

  /** The next nSeq sequences, row-major [nSeq, seqLen]. */
  next(nSeq: number): Uint32Array {
    const out = new Uint32Array(nSeq * this.seqLen);
    for (let s = 0; s < nSeq; s++) {
      let o = s * this.seqLen;
      if (this.prependBos) out[o++] = this.corpus.bos;
      const start = this.order.next();
      out.set(this.corpus.tokens.subarray(start, start + this.body), o);
    }
    this.served += out.length;
    return out;
  }
}
