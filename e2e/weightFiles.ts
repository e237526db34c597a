/** Small dictionaries on disk for the load-weights tests, written with the engine's writers. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DictionaryParams, DictionarySpec } from "../src/engine/dictionary/spec.ts";
import { saveSaelensFolder } from "../src/node/saelensFolder.ts";

export function transcoderSpec(d: number, dSae: number, layer: number): DictionarySpec {
  return {
    kind: "transcoder",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: false,
    hookName: `blocks.${layer}.ln2.hook_normalized`,
    hookNameOut: `blocks.${layer}.hook_mlp_out`,
    modelName: "gpt2-brown",
    normalizeActivations: "none",
  };
}

export function saeSpec(d: number, dSae: number, hookName: string): DictionarySpec {
  return {
    kind: "sae",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: true,
    hookName,
    hookNameOut: hookName,
    modelName: "gpt2-brown",
    normalizeActivations: "none",
  };
}

/** Deterministic weights in [-0.5, 0.5) (an LCG: the same every run). */
export function randomParams(spec: DictionarySpec, seed = 1): DictionaryParams {
  let s = seed >>> 0;
  const fill = (n: number) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    });
  return {
    wEnc: fill(spec.dIn * spec.dSae),
    bEnc: fill(spec.dSae),
    wDec: fill(spec.dSae * spec.dOut),
    bDec: fill(spec.dOut),
  };
}

/** A SAELens folder `dir` (cfg.json + sae_weights.safetensors); returns what was written. */
export async function writeSaelens(dir: string, spec: DictionarySpec, seed = 1) {
  const params = randomParams(spec, seed);
  await saveSaelensFolder(dir, spec, params);
  return {
    spec,
    params,
    cfg: join(dir, "cfg.json"),
    weights: join(dir, "sae_weights.safetensors"),
  };
}

/** Changes fields of a folder's cfg.json. */
export async function patchCfg(cfgPath: string, change: Record<string, unknown>): Promise<void> {
  const cfg = JSON.parse(await readFile(cfgPath, "utf8")) as Record<string, unknown>;
  await writeFile(cfgPath, JSON.stringify({ ...cfg, ...change }, null, 2));
}

/** Keeps the first `fraction` of a file, as an interrupted download would. */
export async function truncate(path: string, fraction: number): Promise<void> {
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, Math.floor(bytes.byteLength * fraction)));
}
