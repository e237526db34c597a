/** `npm run train -- --synthetic`: flags, outputs, and synth-eval reproducing the final metrics. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTrain } from "../src/cli/runTrain.ts";
import { parseSynthEvalCommand, runSynthEval } from "../src/cli/synthEvalCommand.ts";
import type { SyntheticTrainResult } from "../src/cli/syntheticTrain.ts";
import { parseTrainCommand, type TrainCommand } from "../src/cli/trainCommand.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";

const dir = mkdtempSync(join(tmpdir(), "synthetic-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shaders = loadNodeShaders();

function refusal(argv: string[]): string {
  try {
    parseTrainCommand([...argv, "--out", join(dir, "never")]);
  } catch (err) {
    return (err as Error).message;
  }
  return "accepted";
}

describe("train --synthetic flags", () => {
  const base = ["--synthetic", "tiny", "--kind", "sae", "--d-sae", "16", "--steps", "2"];

  it("refuses what has no meaning on a synthetic model, naming the flag", () => {
    expect(refusal([...base, "--model", "builtin"])).toMatch(
      /^--model does not apply with --synthetic/,
    );
    expect(refusal([...base, "--layer", "1"])).toMatch(/^--layer does not apply with --synthetic/);
    expect(refusal([...base, "--data", "x.safetensors"])).toMatch(/^--data does not apply/);
    expect(refusal([...base, "--truth-every", "1.5"])).toBe(
      '--truth-every expects an integer >= 0, got "1.5"',
    );
    expect(refusal(["--data", "x.safetensors", "--export-truth", dir])).toBe(
      "--export-truth needs --synthetic",
    );
  });

  it("takes a kind list and a sweep without --model", () => {
    const cmd = parseTrainCommand([
      ...["--synthetic", "small-2k", "--kind", "sae,transcoder", "--d-sae", "64"],
      ...["--sweep", "architecture=topk,jumprelu", "--k", "8", "--steps", "2", "--out", dir],
    ]) as TrainCommand;
    expect(cmd.synthetic).toEqual({
      source: "small-2k",
      truthEvery: 200,
      truthSamples: 100_000,
      liveTruthSamples: 4096,
    });
    expect(cmd.multi?.kinds).toEqual(["sae", "transcoder"]);
    expect(cmd.stream).toBeUndefined();
    expect(cmd.data).toBeUndefined();
  });

  it("names the preset or file it cannot read", async () => {
    const { device } = await testDevice();
    const cmd = parseTrainCommand([
      ...base.slice(0, 1),
      "nope.json",
      ...base.slice(2),
      "--out",
      dir,
    ]);
    await expect(runTrain(cmd as TrainCommand, device, shaders)).rejects.toThrow(
      /--synthetic nope\.json: neither a preset \(synthsaebench-16k, small-2k, tiny\) nor a readable config file/,
    );
  });
});

describe("train --synthetic run", () => {
  it("writes the folder, live ground truth, the truth; synth-eval reproduces the final metrics", async () => {
    const { device } = await testDevice();
    const out = join(dir, "run");
    const truthDir = join(dir, "truth");
    const cmd = parseTrainCommand([
      ...["--synthetic", "tiny", "--kind", "transcoder", "--d-sae", "48"],
      ...["--architecture", "batchtopk", "--k", "4", "--lr", "3e-3", "--batch", "64"],
      ...["--steps", "6", "--log-every", "2", "--truth-every", "3", "--live-truth-samples", "128"],
      ...["--truth-samples", "256", "--export-truth", truthDir, "--out", out],
    ]) as TrainCommand;
    const result = (await runTrain(cmd, device, shaders)) as SyntheticTrainResult;
    expect(readdirSync(out).sort()).toEqual([
      "cfg.json",
      "ground_truth.json",
      "metrics.jsonl",
      "sae_weights.safetensors",
      "sparsity.safetensors",
    ]);
    expect(readdirSync(truthDir)).toContain("truth.safetensors");
    const cfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8"));
    expect([cfg.d_in, cfg.d_sae, cfg.d_out, cfg.metadata.hook_name_out]).toEqual([
      32,
      48,
      32,
      "output_activations",
    ]);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // Logged steps 2, 4, 6; ground truth at step 3 on a line of its own.
    expect(lines.map((l) => [l.step, "ground_truth" in l])).toEqual([
      [2, false],
      [3, true],
      [4, false],
      [6, false],
    ]);
    const live = lines[1].ground_truth;
    expect(live.sae_l0).toBe(4);
    for (const key of ["mcc", "f1_score", "encoder_mcc", "encoder_f1_score"]) {
      expect(live[key]).toBeGreaterThan(0);
      expect(live[key]).toBeLessThanOrEqual(1);
    }
    const saved = JSON.parse(readFileSync(join(out, "ground_truth.json"), "utf8"));
    expect(saved.samples).toBe(256);
    expect(saved.mcc).toBe(result.truth.mcc);
    expect(saved.encoder.mcc).toBeGreaterThan(0);

    for (const against of [
      ["--truth", truthDir],
      ["--synthetic", "tiny"],
    ]) {
      const evalCmd = parseSynthEvalCommand(["--dict", out, ...against, "--samples", "256"])!;
      const again = await runSynthEval(evalCmd, device, shaders);
      expect(again.samples).toBe(256);
      expect(JSON.parse(JSON.stringify(again.metrics))).toEqual(
        (({ samples: _s, source: _source, ...m }) => m)(saved),
      );
    }
  });
});
