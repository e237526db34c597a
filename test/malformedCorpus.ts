/**
 * The malformed corpus: one file or folder per way a weights file can be broken, each with the
 * message its refusal must carry. Run through the CLI's path (test/convertCli.test.ts) and
 * through the page (e2e/malformed.spec.ts).
 */
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeSafetensors } from "../src/engine/formats/safetensors.ts";
import {
  buildZip,
  f32Bytes,
  tensorDictPickle,
  torchZip,
} from "../src/engine/formats/torch/testing.ts";

export interface MalformedCase {
  name: string;
  /** The files to give the loader: one file, or a folder's files. */
  files: string[];
  /** What the refusal must say (the part after the file name). */
  message: RegExp;
}

const fixtures = join(import.meta.dirname, "fixtures", "pickles");

export function writeMalformedCorpus(bad: string): MalformedCase[] {
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
        cpSync(join(fixtures, "object.npz"), join(bad, "obj", "params.npz"), { recursive: true });
        return join(bad, "obj", "params.npz");
      },
      /params\.npz: .*object/i,
    ],
    [
      "a legacy torch file",
      () => {
        cpSync(join(fixtures, "legacy.pt"), join(bad, "legacy", "ae.pt"), { recursive: true });
        return join(bad, "legacy", "ae.pt");
      },
      /ae\.pt: .*(legacy|pre-1\.6|1\.6)/i,
    ],
  ];

  return cases.map(([name, make, message]) => {
    const path = make();
    const folder = name.startsWith("a cfg") || name === "NaN weights";
    const dir = join(path, "..");
    return {
      name,
      files: folder ? [join(dir, "cfg.json"), join(dir, "sae_weights.safetensors")] : [path],
      message,
    };
  });
}
