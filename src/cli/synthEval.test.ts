import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { sampleReference } from "../engine/synthetic/sampleReference.ts";
import {
  syntheticConfigToDict,
  type SyntheticModelConfig,
} from "../engine/synthetic/syntheticConfig.ts";
import { buildSyntheticModel, type SyntheticModel } from "../engine/synthetic/syntheticModel.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { saveSaelensFolder } from "../node/saelensFolder.ts";
import { writeTruthFolder } from "../node/syntheticTruthFolder.ts";
import { testDevice } from "../node/testDevice.ts";
import {
  parseSynthEvalCommand,
  runSynthEval,
  synthEvalJson,
  synthEvalTable,
} from "./synthEvalCommand.ts";

const dir = mkdtempSync(join(tmpdir(), "synth-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shaders = loadNodeShaders();

const config: SyntheticModelConfig = {
  num_features: 20,
  hidden_dim: 12,
  firing_probability: { generator_name: "zipfian", exponent: 1, max_prob: 0.3, min_prob: 0.05 },
  hierarchy: null,
  orthogonalization: null,
  correlation: null,
  std_firing_magnitudes: 0.1,
  mean_firing_magnitudes: 1,
  bias: false,
  dtype: "float32",
  seed: 3,
};
const configPath = join(dir, "config.json");
writeFileSync(configPath, JSON.stringify(syntheticConfigToDict(config)));

/** An SAE whose latents are the first `dSae` planted directions. */
async function plantedSae(model: SyntheticModel, dSae: number, folder: string) {
  const d = model.hiddenDim;
  const spec: DictionarySpec = {
    kind: "sae",
    dIn: d,
    dSae,
    dOut: d,
    applyBDecToInput: true,
    hookName: "synthetic",
    hookNameOut: "synthetic",
    modelName: "synthetic",
    normalizeActivations: "none",
  };
  const wDec = Float32Array.from(model.input.vectors.subarray(0, dSae * d));
  const wEnc = new Float32Array(d * dSae);
  for (let i = 0; i < dSae; i++) for (let k = 0; k < d; k++) wEnc[k * dSae + i] = wDec[i * d + k]!;
  const path = join(dir, folder);
  await saveSaelensFolder(path, spec, {
    wEnc,
    bEnc: new Float32Array(dSae).fill(-0.3),
    wDec,
    bDec: new Float32Array(d),
  });
  return path;
}

async function run(args: string[]) {
  const cmd = parseSynthEvalCommand(args)!;
  const { device } = await testDevice();
  return runSynthEval(cmd, device, shaders);
}

describe("synth-eval", () => {
  const model = buildSyntheticModel(config);

  it("--synthetic CONFIG.json: a planted dictionary has MCC 1; JSON has SAELens's fields", async () => {
    const dict = await plantedSae(model, 8, "planted");
    const out = await run([
      "--dict",
      dict,
      "--synthetic",
      configPath,
      "--samples",
      "300",
      "--batch",
      "128",
    ]);
    expect(out.samples).toBe(300);
    expect(out.metrics.mcc).toBeCloseTo(1, 5);
    expect(out.metrics.uniqueness).toBe(1);
    expect(out.metrics.true_l0).toBeGreaterThan(0.5);
    const json = JSON.parse(synthEvalJson(out)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      "true_l0",
      "sae_l0",
      "dead_latents",
      "shrinkage",
      "explained_variance",
      "mcc",
      "uniqueness",
      "classification",
      "samples",
      "source",
    ]);
    expect(synthEvalTable(out, dict)).toMatch(/mcc\s+1\.0000\n/);
  });

  it("--truth DIR evaluates on the folder's own samples", async () => {
    const dict = await plantedSae(model, 8, "planted-truth");
    const s = sampleReference(model, 90, 0, 5);
    const truthDir = join(dir, "truth");
    await writeTruthFolder(truthDir, model, { count: 90, acts: s.acts, x: s.x });
    const out = await run(["--dict", dict, "--truth", truthDir, "--batch", "64"]);
    expect(out.samples).toBe(90);
    let active = 0;
    for (const a of s.acts) if (a > 0) active++;
    expect(out.metrics.true_l0).toBeCloseTo(active / 90, 12);
    expect(out.metrics.mcc).toBeCloseTo(1, 5);
  });

  it("says which flag is wrong and why, in one line", async () => {
    expect(() => parseSynthEvalCommand(["--dict", "d"])).toThrow(
      /give one of --synthetic and --truth/,
    );
    expect(() =>
      parseSynthEvalCommand(["--dict", "d", "--synthetic", "tiny", "--truth", "t"]),
    ).toThrow(/give one of --synthetic and --truth/);
    const dict = await plantedSae(model, 4, "small");
    await expect(run(["--dict", dict, "--synthetic", "no-such-preset"])).rejects.toThrow(
      /--synthetic no-such-preset: neither a preset \(.*tiny.*\) nor a readable config file/,
    );
    const wide = join(dir, "wide.json");
    writeFileSync(wide, JSON.stringify({ ...syntheticConfigToDict(config), hidden_dim: 16 }));
    await expect(run(["--dict", dict, "--synthetic", wide])).rejects.toThrow(
      /--dict .*small against --synthetic .*wide\.json: the dictionary reads d_in 12 but the synthetic model's x has 16/,
    );
    await expect(run(["--dict", dict, "--truth", join(dir, "nowhere")])).rejects.toThrow(
      /--truth .*nowhere: no synthetic_model_config\.json/,
    );
  });
});
