import { decode, encode } from "gpt-tokenizer/encoding/r50k_base";

/** GPT-2's byte-level BPE (r50k_base) through gpt-tokenizer; <|endoftext|> is text here. */
export const GPT2_EOT = 50256;

export function encodeText(text: string): number[] {
  return encode(text, { disallowedSpecial: new Set() });
}

export function decodeTokens(tokens: readonly number[]): string {
  return decode(tokens);
}
