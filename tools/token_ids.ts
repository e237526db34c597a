/**
 * GPT-2 token ids of a text file as a JSON list, for tools/splice_check.py --tokens.
 *
 * Usage: npx tsx tools/token_ids.ts notes.txt > ids.json
 *
 * Tokenised as the page and `npm run eval --text-file` tokenise (GPT-2's BPE, r50k_base, with
 * <|endoftext|> read as text): gpt-tokenizer's default export is o200k_base (GPT-4o's), whose ids
 * mean other tokens to GPT-2.
 */
import { readFileSync } from "node:fs";
import { encodeText } from "../src/engine/text/tokenizer.ts";

const [file, ...rest] = process.argv.slice(2);
if (!file || rest.length > 0) {
  process.stderr.write("usage: npx tsx tools/token_ids.ts FILE.txt > ids.json\n");
  process.exit(2);
}
let text: string;
try {
  text = readFileSync(file, "utf8");
} catch (err) {
  process.stderr.write(
    `${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message}\n`,
  );
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(encodeText(text))}\n`);
