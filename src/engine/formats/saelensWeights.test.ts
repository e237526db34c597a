import { describe, expect, it } from "vitest";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { bytesByteSource } from "./byteSource.ts";
import { FormatError } from "./formatError.ts";
import { readSaelensWeights, writeSaelensWeights } from "./saelens.ts";
import { openSafetensors, writeSafetensors, type TensorToWrite } from "./safetensors.ts";
import { rawSafetensors } from "./testFiles.ts";

const spec: DictionarySpec = {
  kind: "transcoder",
  dIn: 3,
  dSae: 4,
  dOut: 2,
  applyBDecToInput: false,
  hookName: "blocks.0.ln2.hook_normalized",
  hookNameOut: "blocks.0.hook_mlp_out",
  modelName: "gpt2",
  normalizeActivations: "none",
};

const ramp = (n: number, scale: number) =>
  Float32Array.from({ length: n }, (_, i) => (i - 2) * scale);

const params: DictionaryParams = {
  wEnc: ramp(12, 0.25),
  bEnc: ramp(4, -1.5),
  wDec: ramp(8, 0.125),
  bDec: new Float32Array([0.5, -0.5]),
};

const open = (bytes: Uint8Array) =>
  openSafetensors(bytesByteSource(bytes, "sae_weights.safetensors"));

function tensors(over: Partial<Record<string, Partial<TensorToWrite>>> = {}): TensorToWrite[] {
  const base: TensorToWrite[] = [
    { name: "W_enc", dtype: "F32", shape: [3, 4], data: params.wEnc },
    { name: "b_enc", dtype: "F32", shape: [4], data: params.bEnc },
    { name: "W_dec", dtype: "F32", shape: [4, 2], data: params.wDec },
    { name: "b_dec", dtype: "F32", shape: [2], data: params.bDec },
  ];
  return base.map((t) => ({ ...t, ...over[t.name] }));
}

async function readError(bytes: Uint8Array): Promise<string> {
  try {
    await readSaelensWeights(await open(bytes), spec);
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return (e as Error).message;
  }
  throw new Error("expected a FormatError");
}

describe("SAELens weights", () => {
  it("round-trips exact values with SAELens tensor names and shapes", async () => {
    const bytes = writeSaelensWeights(params, spec);
    const file = await open(bytes);
    expect(file.metadata).toEqual({ format: "pt" });
    expect([...file.tensors.values()].map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ["W_enc", "F32", [3, 4]],
      ["b_enc", "F32", [4]],
      ["W_dec", "F32", [4, 2]],
      ["b_dec", "F32", [2]],
    ]);
    const back = (await readSaelensWeights(file, spec)).params;
    expect(Array.from(back.wEnc)).toEqual(Array.from(params.wEnc));
    expect(Array.from(back.bEnc)).toEqual([3, 1.5, -0, -1.5]);
    expect(Array.from(back.wDec)).toEqual(Array.from(params.wDec));
    expect(Array.from(back.bDec)).toEqual([0.5, -0.5]);
  });

  it("says which tensor disagrees with cfg.json", async () => {
    const wrong = writeSafetensors(tensors({ W_enc: { shape: [4, 3] }, W_dec: { shape: [2, 4] } }));
    expect(await readError(wrong)).toBe(
      'sae_weights.safetensors: tensor "W_enc": expected shape [d_in, d_sae] = [3, 4], found shape [4, 3] (dimension 0 is 4, expected 3); cfg.json and the weights disagree',
    );
    const rank = writeSafetensors(tensors({ b_dec: { shape: [1, 2] } }));
    expect(await readError(rank)).toBe(
      'sae_weights.safetensors: tensor "b_dec": expected 1 dimension [d_out], found shape [1, 2]; cfg.json and the weights disagree',
    );
  });

  it("refuses missing, unexpected and non-finite tensors", async () => {
    expect(await readError(writeSafetensors(tensors().slice(0, 3)))).toBe(
      'sae_weights.safetensors: missing tensor "b_dec"; the file has "W_enc", "b_enc", "W_dec"',
    );
    const skip = [
      ...tensors(),
      { name: "W_skip", dtype: "F32" as const, shape: [2, 3], data: new Float32Array(6) },
    ];
    expect(await readError(writeSafetensors(skip))).toBe(
      'sae_weights.safetensors: tensor "W_skip": unexpected tensor for architecture "transcoder"; expected only W_enc, b_enc, W_dec, b_dec',
    );
    const wDec = params.wDec.slice();
    wDec[5] = NaN;
    expect(await readError(writeSafetensors(tensors({ W_dec: { data: wDec } })))).toBe(
      'sae_weights.safetensors: tensor "W_dec": NaN at row 2, column 1; expected finite values',
    );
  });

  it("drops an all-ones scaling_factor and folds any other into the decoder rows", async () => {
    const sf = (v: number): TensorToWrite => ({
      name: "scaling_factor",
      dtype: "F32",
      shape: [4],
      data: new Float32Array([1, 1, v, 1]),
    });
    const read = async (v: number) =>
      (await readSaelensWeights(await open(writeSafetensors([...tensors(), sf(v)])), spec)).params;
    expect(Array.from((await read(1)).wDec)).toEqual(Array.from(params.wDec));
    // Old SAELens decoded (f·s) @ W_dec: row 2 of W_dec is scaled by 3.
    const scaled = Array.from(params.wDec);
    scaled[4]! *= 3;
    scaled[5]! *= 3;
    expect(Array.from((await read(3)).wDec)).toEqual(scaled);
  });

  it("converts half-precision weights", async () => {
    const halfOnes = (n: number) => new Uint8Array(new Uint16Array(n).fill(0x3c00).buffer);
    const layout: [string, number[]][] = [
      ["W_enc", [3, 4]],
      ["b_enc", [4]],
      ["W_dec", [4, 2]],
      ["b_dec", [2]],
    ];
    let offset = 0;
    const header: Record<string, unknown> = {};
    for (const [name, shape] of layout) {
      const bytes = shape.reduce((a, b) => a * b, 1) * 2;
      header[name] = { dtype: "F16", shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
    }
    const raw = rawSafetensors(header, halfOnes(offset / 2));
    const back = (await readSaelensWeights(await open(raw), spec)).params;
    expect(Array.from(back.wEnc)).toEqual(new Array(12).fill(1));
    expect(Array.from(back.bDec)).toEqual([1, 1]);
  });
});
