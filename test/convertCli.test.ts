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
import { writeSafetensors } from "../src/engine/formats/safetensors.ts";
import {
  buildZip,
  f32Bytes,
  tensorDictPickle,
  torchZip,
} from "../src/engine/formats/torch/testing.ts";
import { inferenceReference } from "../src/engine/reference/dictionaryInference.ts";
import { convertRecognized } from "../src/node/convertRecognized.ts";
import { openPathFileSet } from "../src/node/pathFileSet.ts";

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
  mkdirSync(bad, { recursive: true });
  const file = (name: string, bytes: Uint8Array | string) => {
    const p = join(bad, name);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, bytes);
    return p;
  };
  const weights = writeSafetensors([
    { name: "W_enc", dtype: "F32", shape: [4, 8], data: new Float32Array(32).fill(0.5) },
    { name: "b_enc", dtype: "F32", shape: [8], data: new Float32Array(8) },
    { name: "W_dec", dtype: "F32", shape: [8, 4], data: new Float32Array(32).fill(0.25) },
    { name: "b_dec", dtype: "F32", shape: [4], data: new Float32Array(4) },
  ]);
  const cfg = {
    architecture: "standard",
    d_in: 4,
    d_sae: 8,
    metadata: { sae_lens_version: "6.0.0" },
  };
  const tensor = { key: "0", numel: 4, shape: [4] };
  /** A dictionary_learning AutoEncoder (d 2, 2 latents), storage i holding tensor i. */
  const aeTensors = {
    bias: { key: "0", numel: 2, shape: [2] },
    "encoder.weight": { key: "1", numel: 4, shape: [2, 2] },
    "encoder.bias": { key: "2", numel: 2, shape: [2] },
    "decoder.weight": { key: "3", numel: 4, shape: [2, 2] },
  };
  const aeStorages = [
    [1, 2],
    [1, 2, 3, 4],
    [0, 1],
    [1, 0, 0, 1],
  ].map((v) => f32Bytes(v));
  const cases: [name: string, make: () => string, message: RegExp][] = [
    [
      "a truncated safetensors file",
      () => file("trunc/layer_1.safetensors", weights.subarray(0, weights.length - 9)),
      /layer_1\.safetensors: .*(end|past|beyond|outside)/i,
    ],
    [
      "a cfg.json that is not JSON",
      () => (file("nojson/sae_weights.safetensors", weights), file("nojson/cfg.json", "{d_in: 4")),
      /cfg\.json: invalid JSON/,
    ],
    [
      "a cfg.json that disagrees with the shapes",
      () => (
        file("disagree/sae_weights.safetensors", weights),
        file("disagree/cfg.json", JSON.stringify({ ...cfg, d_sae: 16 }))
      ),
      /tensor "W_enc": expected shape \[d_in, d_sae\] = \[4, 16\], found shape \[4, 8\] .*; cfg\.json and the weights disagree$/,
    ],
    [
      "NaN weights",
      () => {
        const nan = new Float32Array(32).fill(0.5);
        nan[9] = NaN;
        const w = writeSafetensors([
          { name: "W_enc", dtype: "F32", shape: [4, 8], data: nan },
          { name: "b_enc", dtype: "F32", shape: [8], data: new Float32Array(8) },
          { name: "W_dec", dtype: "F32", shape: [8, 4], data: new Float32Array(32) },
          { name: "b_dec", dtype: "F32", shape: [4], data: new Float32Array(4) },
        ]);
        file("nan/cfg.json", JSON.stringify(cfg));
        return file("nan/sae_weights.safetensors", w);
      },
      /tensor "W_enc": NaN at row 1, column 1/,
    ],
    [
      "a pickle of an unknown global with no tensors",
      () =>
        file(
          "unknown.pt",
          torchZip(
            new Uint8Array([0x80, 0x02, 0x63, ...new TextEncoder().encode("os\nsystem\n"), 0x2e]),
            {},
          ),
        ),
      /unknown\.pt: is a torch file holding no tensors; expected a transcoder_circuits, OpenAI or dictionary_learning dictionary/,
    ],
    [
      "a huge claimed storage",
      () =>
        file(
          "huge/ae.pt",
          torchZip(tensorDictPickle({ bias: { ...tensor, numel: 2 ** 40 } }), {
            "0": f32Bytes([1, 2, 3, 4]),
          }),
        ),
      /ae\.pt: .*storage/,
    ],
    [
      "a storage shorter than its tensor",
      () =>
        file(
          "short/ae.pt",
          torchZip(tensorDictPickle({ bias: { ...tensor, shape: [6], numel: 6 } }), {
            "0": f32Bytes([1, 2, 3, 4]),
          }),
        ),
      /ae\.pt: .*storage/,
    ],
    [
      "a truncated zip",
      () => {
        const z = torchZip(tensorDictPickle({ bias: tensor }), { "0": f32Bytes([1, 2, 3, 4]) });
        return file("cut/ae.pt", z.subarray(0, z.length - 30));
      },
      /ae\.pt: /,
    ],
    [
      "a bad CRC",
      () =>
        file(
          "crc/ae.pt",
          buildZip([
            { name: "archive/data.pkl", data: tensorDictPickle(aeTensors) },
            ...aeStorages.map((data, i) => ({
              name: `archive/data/${i}`,
              data,
              ...(i === 3 ? { crc: 12345 } : {}),
            })),
          ]),
        ),
      /ae\.pt: .*CRC/i,
    ],
    [
      "npz with an object array",
      () => {
        cpSync(
          join(root, "test", "fixtures", "pickles", "object.npz"),
          join(bad, "obj", "params.npz"),
          { recursive: true },
        );
        return join(bad, "obj", "params.npz");
      },
      /params\.npz: .*object/i,
    ],
    [
      "a legacy torch file",
      () => {
        cpSync(
          join(root, "test", "fixtures", "pickles", "legacy.pt"),
          join(bad, "legacy", "ae.pt"),
          { recursive: true },
        );
        return join(bad, "legacy", "ae.pt");
      },
      /ae\.pt: .*(legacy|pre-1\.6|1\.6)/i,
    ],
  ];

  for (const [name, make, message] of cases) {
    it(`refuses ${name}`, async () => {
      const path = make();
      const target = name.startsWith("a cfg") || name === "NaN weights" ? join(path, "..") : path;
      let error: unknown;
      try {
        const set = await openPathFileSet([target]);
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
