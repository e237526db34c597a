import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { FormatError } from "../engine/formats/formatError.ts";
import { loadSaelensFolder, saveSaelensFolder } from "./saelensFolder.ts";

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "saelens-folder-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const transcoder: DictionarySpec = {
  kind: "transcoder",
  dIn: 4,
  dSae: 6,
  dOut: 4,
  applyBDecToInput: false,
  hookName: "blocks.1.ln2.hook_normalized",
  hookNameOut: "blocks.1.hook_mlp_out",
  modelName: "gpt2",
  normalizeActivations: "none",
  contextSize: 64,
  prependBos: true,
  datasetPath: "tiny-stories",
};

const sae: DictionarySpec = {
  ...transcoder,
  kind: "sae",
  applyBDecToInput: true,
  hookName: "blocks.1.hook_resid_post",
  hookNameOut: "blocks.1.hook_resid_post",
};

const seq = (n: number, a: number) => Float32Array.from({ length: n }, (_, i) => a * (i + 1));
const params: DictionaryParams = {
  wEnc: seq(24, 0.5),
  bEnc: seq(6, -0.25),
  wDec: seq(24, 0.125),
  bDec: seq(4, 2),
};

async function loadError(dir: string): Promise<string> {
  const e = await loadSaelensFolder(dir).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(FormatError);
  return (e as Error).message;
}

describe("SAELens folders", () => {
  it("saves and loads both kinds, creating folders", async () => {
    for (const spec of [transcoder, sae]) {
      const dir = join(root, spec.kind, "nested", "out");
      const paths = await saveSaelensFolder(dir, spec, params, { trainer: "playground" });
      expect(paths).toEqual({
        cfgPath: join(dir, "cfg.json"),
        weightsPath: join(dir, "sae_weights.safetensors"),
      });
      const text = await readFile(paths.cfgPath, "utf8");
      expect(text.startsWith('{\n  "architecture": ')).toBe(true);
      const cfg = JSON.parse(text) as { metadata: Record<string, unknown> };
      expect(cfg.metadata.trainer).toBe("playground");
      const loaded = await loadSaelensFolder(dir);
      expect(loaded.spec).toEqual(spec);
      expect(Array.from(loaded.params.wEnc)).toEqual(Array.from(params.wEnc));
      expect(Array.from(loaded.params.bEnc)).toEqual(Array.from(params.bEnc));
      expect(Array.from(loaded.params.wDec)).toEqual(Array.from(params.wDec));
      expect(Array.from(loaded.params.bDec)).toEqual([2, 4, 6, 8]);
    }
  });

  it("names what is missing or broken", async () => {
    const missing = join(root, "absent");
    expect(await loadError(missing)).toBe(`${missing}: folder not found`);

    const empty = join(root, "empty");
    await saveSaelensFolder(empty, sae, params);
    await rm(join(empty, "cfg.json"));
    expect(await loadError(empty)).toBe(
      `${join(empty, "cfg.json")}: file not found; expected a SAELens folder with cfg.json and sae_weights.safetensors`,
    );

    const badJson = join(root, "bad-json");
    await saveSaelensFolder(badJson, sae, params);
    await writeFile(join(badJson, "cfg.json"), '{"d_in": 4,');
    expect(await loadError(badJson)).toMatch(
      new RegExp(`^${join(badJson, "cfg.json")}: invalid JSON \\(.+\\)$`),
    );

    const noWeights = join(root, "no-weights");
    await saveSaelensFolder(noWeights, sae, params);
    await rm(join(noWeights, "sae_weights.safetensors"));
    expect(await loadError(noWeights)).toBe(
      `${join(noWeights, "sae_weights.safetensors")}: file not found`,
    );

    const file = join(root, "a-file");
    await writeFile(file, "x");
    expect(await loadError(file)).toBe(`${file}: is a file; expected a SAELens folder`);
  });

  it("reports cfg.json and weights that disagree", async () => {
    const dir = join(root, "disagree");
    await saveSaelensFolder(dir, transcoder, params);
    const cfgPath = join(dir, "cfg.json");
    const cfg = JSON.parse(await readFile(cfgPath, "utf8")) as Record<string, unknown>;
    await writeFile(cfgPath, JSON.stringify({ ...cfg, d_sae: 8 }));
    expect(await loadError(dir)).toBe(
      `${join(dir, "sae_weights.safetensors")}: tensor "W_enc": expected shape [d_in, d_sae] = [4, 8], found shape [4, 6] (dimension 1 is 6, expected 8); cfg.json and the weights disagree`,
    );
    await writeFile(cfgPath, JSON.stringify({ ...cfg, architecture: "jumprelu_transcoder" }));
    expect(await loadError(dir)).toBe(
      `${join(dir, "sae_weights.safetensors")}: missing tensor "threshold"; the file has "W_enc", "b_enc", "W_dec", "b_dec"`,
    );
  });
});
