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
    name: names.tokens,
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

/**
 * Consecutive windows of a token range as model input: seqLen tokens each (the first being BOS
 * when prependBos, then seqLen - 1 corpus tokens), wrapping around at the end of the range.
 */
export class SequenceSource {
  private cursor: number;
  private served = 0;

  constructor(
    private readonly corpus: TokenCorpus,
    private readonly range: { start: number; end: number },
    readonly seqLen: number,
    readonly prependBos: boolean,
  ) {
    const body = seqLen - (prependBos ? 1 : 0);
    if (body < 1) throw new RangeError(`sequence length ${seqLen} leaves no room for tokens`);
    if (range.end - range.start < body) {
      throw new RangeError(
        `${corpus.name}: the range [${range.start}, ${range.end}) is shorter than one sequence (${body} tokens)`,
      );
    }
    this.cursor = range.start;
  }

  /** Tokens handed out so far (BOS included). */
  get tokensServed(): number {
    return this.served;
  }

  /** The next nSeq sequences, row-major [nSeq, seqLen]. */
  next(nSeq: number): Uint32Array {
    const out = new Uint32Array(nSeq * this.seqLen);
    const body = this.seqLen - (this.prependBos ? 1 : 0);
    for (let s = 0; s < nSeq; s++) {
      let o = s * this.seqLen;
      if (this.prependBos) out[o++] = this.corpus.bos;
      if (this.cursor + body > this.range.end) this.cursor = this.range.start;
      out.set(this.corpus.tokens.subarray(this.cursor, this.cursor + body), o);
      this.cursor += body;
    }
    this.served += out.length;
    return out;
  }
}
