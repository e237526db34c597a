/** The built-in corpus under public/builtin: consistent offsets, and tokens that decode to English. */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decode } from "gpt-tokenizer/encoding/r50k_base";
import { describe, expect, it } from "vitest";

const dir = join(import.meta.dirname, "..", "public", "builtin");

interface CorpusIndex {
  tokens: number;
  eotToken: number;
  train: { start: number; end: number };
  heldOut: { start: number; end: number };
  documents: number;
  docs: { id: string; start: number; end: number }[];
}

describe("built-in Brown corpus", () => {
  const index = JSON.parse(readFileSync(join(dir, "brown.json"), "utf8")) as CorpusIndex;
  const bytes = readFileSync(join(dir, "brown.tokens.u16"));
  const tokens = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);

  it("has one uint16 per token and whole-document train and held-out slices", () => {
    expect(statSync(join(dir, "brown.tokens.u16")).size).toBe(index.tokens * 2);
    expect(index.docs).toHaveLength(index.documents);
    expect(index.train.start).toBe(0);
    expect(index.train.end).toBe(index.heldOut.start);
    expect(index.heldOut.end).toBe(index.tokens);
    const heldOutShare = (index.heldOut.end - index.heldOut.start) / index.tokens;
    expect(heldOutShare).toBeGreaterThan(0.03);
    expect(heldOutShare).toBeLessThan(0.1);
    let expectedStart = 0;
    for (const doc of index.docs) {
      expect(doc.start).toBe(expectedStart);
      expect(tokens[doc.end - 1]).toBe(index.eotToken);
      expectedStart = doc.end;
    }
    expect(index.docs.some((d) => d.start === index.heldOut.start)).toBe(true);
  });

  it("decodes to plain English text without part-of-speech tags", () => {
    const first = index.docs[0]!;
    const text = decode(Array.from(tokens.subarray(first.start, first.start + 200)));
    expect(text).toMatch(/^[A-Z]/);
    expect(text).not.toMatch(/\/(nn|vbd|at|in)\b/i);
    const words = text.split(/\s+/).filter((w) => /^[a-z]+$/.test(w));
    expect(words.length).toBeGreaterThan(60);
    expect(text).not.toMatch(/ [,.;:!?]/);
  });
});
