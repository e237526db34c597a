/**
 * npm run convert: every recognised format becomes a SAELens folder that loads back with the
 * same activations; the malformed corpus gets specific one-line refusals, never a hang.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FormatError } from "../src/engine/formats/formatError.ts";
import { recognize, type Recognized } from "../src/engine/formats/recognize/index.ts";
import { TOPK_TRANSCODER_NOTE } from "../src/engine/formats/saelensCfg.ts";
import { writeSafetensors } from "../src/engine/formats/safetensors.ts";
import { inferenceReference } from "../src/engine/reference/dictionaryInference.ts";
import { convertRecognized } from "../src/node/convertRecognized.ts";
import { openPathFileSet } from "../src/node/pathFileSet.ts";
import { openOnePathSet } from "../src/node/zipPathSets.ts";
import { initDictionary } from "../src/engine/dictionary/init.ts";
import type { DictionarySpec } from "../src/engine/dictionary/spec.ts";
import { saelensZip } from "../src/engine/formats/saelensZip.ts";
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

/** Seeded values in [-1, 1). */
function values(n: number, seed: number): Float32Array<ArrayBuffer> {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/**
 * A sparsify skip transcoder (EleutherAI/sparsify sparse_coder.py: encoder = nn.Linear(d_in,
 * num_latents), W_dec [num_latents, d_in], b_dec, W_skip [d_in, d_in]) and its own forward:
 * f = TopK(ReLU(x encoderᵀ + bias)), y = f W_dec + b_dec + x W_skipᵀ.
 */
function sparsifySkipTranscoder(folder: string, rows: number) {
  const [d, m, k] = [6, 10, 3];
  const enc = values(m * d, 1);
  const bias = values(m, 2);
  const wDec = values(m * d, 3);
  const bDec = values(d, 4);
  const wSkip = values(d * d, 5);
  const x = values(rows * d, 6);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "cfg.json"),
    JSON.stringify({ d_in: d, k, num_latents: m, transcode: true, skip_connection: true }),
  );
  const f32 = (name: string, shape: number[], data: Float32Array<ArrayBuffer>) => ({
    name,
    dtype: "F32" as const,
    shape,
    data,
  });
  writeFileSync(
    join(folder, "sae.safetensors"),
    writeSafetensors([
      f32("encoder.weight", [m, d], enc),
      f32("encoder.bias", [m], bias),
      f32("W_dec", [m, d], wDec),
      f32("b_dec", [d], bDec),
      f32("W_skip", [d, d], wSkip),
    ]),
  );
  const output: number[] = [];
  for (let r = 0; r < rows; r++) {
    const xr = x.subarray(r * d, r * d + d);
    const pre = Array.from({ length: m }, (_, j) =>
      Math.max(0, bias[j]! + xr.reduce((a, v, i) => a + v * enc[j * d + i]!, 0)),
    );
    const kept = pre
      .map((v, j) => [v, j] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, k);
    for (let o = 0; o < d; o++) {
      let y = bDec[o]! + xr.reduce((a, v, i) => a + v * wSkip[o * d + i]!, 0);
      for (const [v, j] of kept) y += v * wDec[j * d + o]!;
      output.push(y);
    }
  }
  return { x, output };
}

describe("npm run convert of a TopK transcoder", () => {
  it("writes sparsify's skip transcoder as topk_skip_transcoder with the note, computing what sparsify computes", async () => {
    const rows = 5;
    const input = join(dir, "in", "sparsify", "h.2.mlp");
    const want = sparsifySkipTranscoder(input, rows);
    const out = join(dir, "out", "sparsify-skip");
    const r = cli([input, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`  note: ${TOPK_TRANSCODER_NOTE}\n`);
    const cfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8")) as {
      architecture: string;
      k: number;
      metadata: Record<string, unknown>;
    };
    expect(cfg.architecture).toBe("topk_skip_transcoder");
    expect(cfg.k).toBe(3);
    expect(cfg.metadata).toMatchObject({
      note: TOPK_TRANSCODER_NOTE,
      converted_from: "sparsify",
      hook_name_out: "blocks.2.hook_mlp_out",
    });
    const back = await loadPath(out);
    expect(back.spec).toMatchObject({ kind: "transcoder", skip: true });
    const got = inferenceReference(back.spec, back.params, want.x, rows);
    expect(got.output).toHaveLength(want.output.length);
    got.output.forEach((v, i) => expect(v).toBeCloseTo(want.output[i]!, 5));
  }, 60_000);
});

describe("npm run convert of a run's Download (a zip of SAELens folders)", () => {
  const tc: DictionarySpec = {
    kind: "transcoder",
    dIn: 8,
    dSae: 16,
    dOut: 8,
    applyBDecToInput: false,
    hookName: "blocks.1.ln2.hook_normalized",
    hookNameOut: "blocks.1.hook_mlp_out",
    modelName: "gpt2-brown (built-in)",
    normalizeActivations: "none",
    contextSize: 128,
    prependBos: false,
    excludeSpecialTokens: true,
  };
  const sae: DictionarySpec = {
    ...tc,
    kind: "sae",
    applyBDecToInput: true,
    hookName: tc.hookNameOut,
  };
  const dicts = [
    { folder: "sae", spec: sae, params: initDictionary(sae, 5) },
    {
      folder: "transcoder",
      spec: tc,
      params: initDictionary(tc, 6),
      sparsity: new Float32Array(16).fill(-2),
    },
  ];
  const zipFile = join(dir, "in", "run 1.zip");
  mkdirSync(join(dir, "in"), { recursive: true });
  writeFileSync(zipFile, saelensZip(dicts));

  it("writes each folder to OUT/FOLDER, and FILE.zip:FOLDER one folder to OUT", async () => {
    const out = join(dir, "out", "zip");
    const r = cli([zipFile, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^SAELens 6 · /gm)).toHaveLength(2);
    for (const d of dicts) {
      const back = await loadPath(join(out, d.folder));
      expect(back.spec).toMatchObject({ kind: d.spec.kind, hookName: d.spec.hookName, dSae: 16 });
      expect(back.params.wEnc).toEqual(d.params.wEnc);
      expect(back.params.wDec).toEqual(d.params.wDec);
      expect(back.params.bDec).toEqual(d.params.bDec);
    }
    const one = join(dir, "out", "zip-one");
    const j = cli([`${zipFile}:transcoder`, "--out", one, "--json"]);
    expect(j.status).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: "dictionary", out: one });
    expect((await loadPath(one)).params.wDec).toEqual(dicts[1]!.params.wDec);
  }, 120_000);

  it("a flag naming one dictionary (eval, features --dict) asks which folder of several", async () => {
    await expect(openOnePathSet(zipFile)).rejects.toThrow(
      `${zipFile}: holds 2 folders ("sae", "transcoder"); name one as ${zipFile}:sae`,
    );
    await expect(openOnePathSet(`${zipFile}:mlp`)).rejects.toThrow(
      `${zipFile}: has no folder "mlp"; its folders are "sae", "transcoder"`,
    );
    const set = await openOnePathSet(`${zipFile}:sae`);
    try {
      const r = await recognize(set);
      expect(r.kind === "dictionary" && r.spec.kind).toBe("sae");
    } finally {
      await set.close();
    }
  });
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
