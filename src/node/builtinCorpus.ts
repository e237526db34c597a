import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseBuiltinCorpus, type TokenCorpus } from "../engine/stream/tokenCorpus.ts";
import { PUBLIC_DIR } from "./modelFolder.ts";

export const BUILTIN_CORPUS_DIR = join(PUBLIC_DIR, "builtin");

/** The Brown corpus shipped under public/builtin (tokens + train/held-out index). */
export async function loadBuiltinCorpus(): Promise<TokenCorpus> {
  const tokensPath = join(BUILTIN_CORPUS_DIR, "brown.tokens.u16");
  const indexPath = join(BUILTIN_CORPUS_DIR, "brown.json");
  const [bytes, index] = await Promise.all([readFile(tokensPath), readFile(indexPath, "utf8")]);
  return parseBuiltinCorpus(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    index,
    {
      tokens: tokensPath,
      index: indexPath,
    },
  );
}
