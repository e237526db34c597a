/**
 * npm run convert: every recognised format becomes a SAELens folder that loads back with the
 * same activations; the malformed corpus gets specific one-line refusals, never a hang.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError } from "../src/engine/formats/formatError.ts";
import { recognize, type Recognized } from "../src/engine/formats/recognize/index.ts";
import { inferenceReference } from "../src/engine/reference/dictionaryInference.ts";
import { convertRecognized } from "../src/node/convertRecognized.ts";
import { openPathFileSet } from "../src/node/pathFileSet.ts";
import { writeMalformedCorpus } from "./malformedCorpus.ts";

const root = join(import.meta.dirname, "..");
const formats = join(root, "test", "fixtures", "formats");
const dir = mkdtempSync(join(tmpdir(), "convert-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Recognises and loads `path`; `then` runs while its files are still open. */
async function loadPath(path: string, then?: (r: Recognized) => Promise<unknown>) {
  const set = await openPathFileSet([path]);
  try {
    const r = await recognize(set);
    if (r.kind !== "dictionary") throw new Error("expected a dictionary");
    await then?.(r);
    return { r, ...(await r.load()) };
  } finally {
    await set.close();
  }
}

/** A fixture folder without its expected.json, so the converter sees only the format's files. */
function fixtureCopy(name: string): string {
  const copy = join(dir, "in", name);
  cpSync(join(formats, name), copy, { recursive: true });
  rmSync(join(copy, "expected.json"));
  return copy;
}

function cli(args: string[]) {
  return spawnSync("npx", ["tsx", join(root, "src", "cli", "convert.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("npm run convert", () => {
  it("round-trips every pickled and npz format through a SAELens folder with the same activations", async () => {
    const names = [
      "transcoder_circuits",
      "openai",
      "gemma_scope_1",
      "dictionary_learning_autoencoder",
      "dictionary_learning_topk",
      "dictionary_learning_batchtopk",
      "dictionary_learning_gated",
      "dictionary_learning_jumprelu",
    ];
    for (const name of names) {
      const out = join(dir, "out", name);
      const input = await loadPath(fixtureCopy(name), (r) => convertRecognized(r, out, undefined));
      const back = await loadPath(out);
      expect(back.r.format).toBe("SAELens 6");
      expect(back.spec).toMatchObject({
        kind: input.spec.kind,
        dIn: input.spec.dIn,
        dSae: input.spec.dSae,
        hookName: input.spec.hookName,
        normalizeActivations: input.spec.normalizeActivations,
      });
      const { x, rows } = JSON.parse(
        readFileSync(join(formats, name, "expected.json"), "utf8"),
      ) as {
        x: number[];
        rows: number;
      };
      const a = inferenceReference(input.spec, input.params, x, rows);
      const b = inferenceReference(back.spec, back.params, x, rows);
      expect(Array.from(b.latents)).toEqual(Array.from(a.latents));
      expect(Array.from(b.output)).toEqual(Array.from(a.output));
    }
  });

  it("prints what it recognised on one line, or as JSON", () => {
    const input = fixtureCopy("openai");
    const r = cli([input, "--out", join(dir, "cli-out")]);
    expect(r.status).toBe(0);
    const [line] = r.stdout.split("\n");
    expect(line).toMatch(
      /^OpenAI sparse_autoencoder · topk k=3 \(LayerNorm input\) SAE · d_in 8, d_sae 12, d_out 8 · blocks\.2\.hook_resid_post · F32 · \d+\.\d kB$/,
    );
    const j = cli([input, "--out", join(dir, "cli-json"), "--json"]);
    expect(JSON.parse(j.stdout)).toMatchObject({
      format: "OpenAI sparse_autoencoder",
      activation: { kind: "topk", k: 3 },
      normalize_activations: "layer_norm",
      d_sae: 12,
    });
  }, 120_000);
});

describe("the malformed corpus", () => {
  const bad = join(dir, "bad");
  const cases = writeMalformedCorpus(bad);

  for (const { name, files, message } of cases) {
    it(`refuses ${name}`, async () => {
      let error: unknown;
      try {
        const set = await openPathFileSet(files.length === 1 ? files : [join(files[0]!, "..")]);
        try {
          const r = await recognize(set);
          if (r.kind === "dictionary") await r.load();
        } finally {
          await set.close();
        }
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FormatError);
      const text = (error as Error).message;
      expect(text).not.toContain("\n");
      expect(text).toMatch(message);
    });
  }

  it("the CLI prints the refusal on one line and exits 1", () => {
    const r = cli([join(bad, "crc", "ae.pt"), "--out", join(dir, "never")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^convert: .*ae\.pt: .*CRC.*\n$/i);
  }, 60_000);
});
