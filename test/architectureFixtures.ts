/** Reading the golden architecture fixtures (test/fixtures/golden/README.md). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseHeader } from "../src/engine/formats/safetensorsHeader.ts";

export const GOLDEN = join(import.meta.dirname, "fixtures", "golden");
export const ARCHITECTURE_CASES = [
  "topk_sae",
  "topk_transcoder",
  "batchtopk_sae",
  "matryoshka_batchtopk_sae",
  "jumprelu_sae",
  "jumprelu_skip_transcoder",
];

/** case.json: shapes and the hyperparameters under SAELens's names (null = off). */
export type Case = Record<string, number | string | boolean | null | number[]>;

export function readCase(name: string): Case {
  return JSON.parse(readFileSync(join(GOLDEN, name, "case.json"), "utf8")) as Case;
}

/** Every tensor of a safetensors file (F32 or F64) as float64. */
export function readTensors(path: string): Map<string, Float64Array> {
  const raw = readFileSync(path);
  const n = Number(raw.readBigUInt64LE(0));
  const { tensors } = parseHeader(path, raw.subarray(8, 8 + n), 8 + n, raw.length);
  const out = new Map<string, Float64Array>();
  for (const [name, t] of tensors) {
    const bytes = raw.buffer.slice(raw.byteOffset + t.begin, raw.byteOffset + t.end);
    if (t.dtype === "F64") out.set(name, new Float64Array(bytes));
    else if (t.dtype === "F32") out.set(name, Float64Array.from(new Float32Array(bytes)));
    else throw new Error(`${path}: ${name} is ${t.dtype}`);
  }
  return out;
}

export function tensor(map: Map<string, Float64Array>, name: string): Float64Array {
  const t = map.get(name);
  if (t === undefined) throw new Error(`no tensor ${name}`);
  return t;
}

export function readJsonLines(path: string): Record<string, number>[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, number>);
}

/** ‖a − b‖ / ‖b‖. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** Rows (i·B + j) mod n of a [n, width] tensor: the fixtures' batch i. */
export function batchRows(a: Float64Array, width: number, step: number, B: number): Float64Array {
  const rows = a.length / width;
  return Float64Array.from({ length: B * width }, (_, e) => {
    const row = (step * B + Math.floor(e / width)) % rows;
    return a[row * width + (e % width)]!;
  });
}

/** The case's SAELens training fields, camel-cased as the references and the trainer name them. */
export const SPEC_FIELDS = {
  k: "k",
  rescale_acts_by_decoder_norm: "rescaleActsByDecoderNorm",
  aux_loss_coefficient: "auxLossCoefficient",
  topk_threshold_lr: "topkThresholdLr",
  matryoshka_widths: "matryoshkaWidths",
  jumprelu_init_threshold: "jumpreluInitThreshold",
  jumprelu_bandwidth: "jumpreluBandwidth",
  jumprelu_sparsity_loss_mode: "jumpreluSparsityLossMode",
  jumprelu_tanh_scale: "jumpreluTanhScale",
  l0_coefficient: "l0Coefficient",
  // SAELens's None (off) is 0 here.
  pre_act_loss_coefficient: "preActLossCoefficient",
} as const;

/** The hyperparameters the case sets, under SPEC_FIELDS' names. */
export function caseHyperparameters(c: Case): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(SPEC_FIELDS)) {
    if (key in c) out[field] = c[key] ?? 0;
  }
  return out;
}
