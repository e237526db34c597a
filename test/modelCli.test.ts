/** npm run acts / train --model / eval: the model's own activations from the command line. */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTrain } from "../src/cli/runTrain.ts";
import { parseTrainCommand, type TrainCommand } from "../src/cli/trainCommand.ts";
import { openSafetensors } from "../src/engine/formats/safetensors.ts";
import { encodeText, GPT2_EOT } from "../src/engine/text/tokenizer.ts";
import { openFileByteSource } from "../src/node/fileByteSource.ts";
import { BUILTIN_MODEL_DIR } from "../src/node/modelFolder.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";
import { GPU_DEFAULTS } from "../src/ui/state/defaults.ts";
import { plansOf } from "../src/worker/streamRun.ts";

const dir = mkdtempSync(join(tmpdir(), "model-cli-"));
const corpusIndex = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "public", "builtin", "brown.json"), "utf8"),
) as { heldOut: { start: number; end: number } };
const heldOutStart = corpusIndex.heldOut.start;
const heldOutEnd = corpusIndex.heldOut.end;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = join(import.meta.dirname, "..");
const TEXT =
  "The jury said it did find that many of Georgia's registration and election laws are " +
  "outmoded or inadequate and often ambiguous. It recommended that Fulton legislators act to " +
  "have these laws studied and revised to the end of modernizing and improving them.";

function cli(script: string, args: string[]) {
  const r = spawnSync("npx", ["tsx", join(root, "src", "cli", script), ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

async function readTensors(path: string) {
  const src = await openFileByteSource(path);
  try {
    const f = await openSafetensors(src);
    return {
      tokens: Array.from(await f.readI32("tokens")),
      x: await f.readF32("x"),
      y: await f.readF32("y"),
      shape: f.info("x").shape,
      metadata: f.metadata,
    };
  } finally {
    await src.close();
  }
}

function rowStats(a: Float32Array, d: number) {
  let maxMean = 0;
  let minVar = Infinity;
  for (let r = 0; r < a.length / d; r++) {
    const row = a.subarray(r * d, (r + 1) * d);
    const mean = row.reduce((s, v) => s + v, 0) / d;
    maxMean = Math.max(maxMean, Math.abs(mean));
    minVar = Math.min(minVar, row.reduce((s, v) => s + (v - mean) ** 2, 0) / d);
  }
  return { maxMean, minVar };
}

describe("npm run acts", () => {
  const textFile = join(dir, "text.txt");
  writeFileSync(textFile, TEXT);
  const tokens = encodeText(TEXT);

  it("writes tokens, ln2.hook_normalized and hook_mlp_out in sequences of the context size", async () => {
    const out = join(dir, "acts.safetensors");
    const args = ["--model", "builtin", "--layer", "1", "--text-file", textFile, "--out", out];
    const r = cli("acts.ts", [...args, "--prepend-bos", "--context-size", "16"]);
    expect(r.stderr).toMatch(/^wrote .*acts\.safetensors: \d+ tokens in \d+ sequences/);
    expect(r.status).toBe(0);
    const t = await readTensors(out);
    // Every sequence is BOS + up to 15 text tokens.
    const sequences = Math.ceil(tokens.length / 15);
    expect(t.tokens).toHaveLength(tokens.length + sequences);
    expect(t.tokens.filter((v) => v === GPT2_EOT)).toHaveLength(sequences);
    expect(t.tokens.filter((v) => v !== GPT2_EOT)).toEqual(tokens);
    expect(t.shape).toEqual([t.tokens.length, 128]);
    expect(t.metadata).toMatchObject({
      hook_name: "blocks.1.ln2.hook_normalized",
      hook_name_out: "blocks.1.hook_mlp_out",
      processing: "transformer_lens",
    });
    // Processed weights: the MLP input is (x - mean) / std, the MLP output is centred.
    const x = rowStats(t.x, 128);
    expect(x.maxMean).toBeLessThan(1e-5);
    expect(x.minVar).toBeGreaterThan(0.99);
    expect(rowStats(t.y, 128).maxMean).toBeLessThan(1e-5);
  }, 60_000);

  it("--no-processing gives the raw model's activations, no BOS by default", async () => {
    const out = join(dir, "raw.safetensors");
    const r = cli("acts.ts", [
      "--model",
      "builtin",
      "--layer",
      "0",
      "--text-file",
      textFile,
      "--out",
      out,
      "--no-processing",
    ]);
    expect(r.status).toBe(0);
    const t = await readTensors(out);
    expect(t.tokens).toEqual(tokens);
    expect(rowStats(t.y, 128).maxMean).toBeGreaterThan(1e-3);
    // ln2.hook_normalized is (x - mean) / std either way (TransformerLens >= 3).
    const x = rowStats(t.x, 128);
    expect(x.maxMean).toBeLessThan(1e-5);
    expect(x.minVar).toBeGreaterThan(0.99);
  }, 60_000);

  it("refuses bad input with one line", () => {
    const base = ["--text-file", textFile, "--out", join(dir, "x.safetensors")];
    expect(cli("acts.ts", ["--model", "builtin", "--layer", "4", ...base]).stderr).toBe(
      "acts: --layer 4: the model has layers 0..3",
    );
    expect(cli("acts.ts", ["--model", join(dir, "nowhere"), "--layer", "0", ...base]).stderr).toBe(
      `acts: ${join(dir, "nowhere", "config.json")}: file not found`,
    );
    const truncated = join(dir, "truncated-model");
    cpSync(BUILTIN_MODEL_DIR, truncated, { recursive: true });
    const weights = join(truncated, "model.safetensors");
    truncateSync(weights, statSync(weights).size - 1000);
    const r = cli("acts.ts", ["--model", truncated, "--layer", "0", ...base]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^acts: ${weights}: .*`));
    expect(r.stderr).toMatch(/ln_f\.bias|truncated|ends at byte/);
  }, 60_000);
});

describe("npm run train --model and npm run eval", () => {
  async function train(argv: string[]) {
    const { device } = await testDevice();
    const cmd = parseTrainCommand(argv) as TrainCommand;
    return runTrain(cmd, device, loadNodeShaders());
  }

  it("trains a transcoder on the built-in model's layer-1 stream that beats zero-ablation", async () => {
    const out = join(dir, "transcoder");
    // 24 steps x 128 tokens = 3072 tokens.
    const result = await train([
      "--model",
      "builtin",
      "--layer",
      "1",
      "--kind",
      "transcoder",
      "--d-sae",
      "256",
      "--l1",
      "0.3",
      "--lr",
      "0.003",
      "--batch",
      "128",
      "--steps",
      "24",
      "--log-every",
      "8",
      "--normalize",
      "expected_average_only_in",
      "--eval-sequences",
      "1",
      "--buffer-batches",
      "4",
      "--out",
      out,
    ]);
    expect(result.metrics.map((m) => m.step)).toEqual([8, 16, 24]);
    expect(result.metrics[2]!.explained_variance).toBeGreaterThan(
      result.metrics[0]!.explained_variance,
    );
    const ev = result.eval!;
    expect(ev.ce_loss_with_ablation).toBeGreaterThan(ev.ce_loss_without_sae);
    // 24 steps: 0.28 here on the built-in model (MLP width 1024), past zero-ablation's 0.
    expect(ev.ce_loss_score).toBeGreaterThan(0.15);
    expect(ev.ce_loss_score).toBeLessThan(1.05);
    const saved = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as typeof ev;
    expect(saved.ce_loss_score).toBeCloseTo(ev.ce_loss_score, 10);
    const cfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8")) as Record<string, unknown>;
    expect(cfg).toMatchObject({ architecture: "transcoder", d_in: 128, d_out: 128, d_sae: 256 });
    expect(cfg.metadata).toMatchObject({
      hook_name: "blocks.1.ln2.hook_normalized",
      hook_name_out: "blocks.1.hook_mlp_out",
      context_size: 128,
      prepend_bos: false,
    });

    // npm run eval reproduces the numbers from the saved folder.
    const r = cli("eval.ts", ["--model", "builtin", "--dict", out, "--sequences", "1"]);
    expect(r.stderr).toBe("");
    const again = JSON.parse(r.stdout) as typeof ev;
    expect(again.ce_loss_score).toBeCloseTo(ev.ce_loss_score, 4);
    expect(again.kl_div_with_sae).toBeCloseTo(ev.kl_div_with_sae, 4);
    expect(again.eval_windows).toEqual(saved.eval_windows);
    expect(saved.eval_windows).toEqual({
      corpus: "builtin:brown",
      token_offsets: [heldOutStart],
      context_size: 128,
      prepend_bos: false,
      exclude_special_tokens: [GPT2_EOT],
    });

    // BOS and context size come from the dictionary's cfg.json, and flags override them.
    const withBos = join(dir, "tc-bos");
    cpSync(out, withBos, { recursive: true });
    const cfgBos = {
      ...cfg,
      metadata: { ...(cfg.metadata as object), prepend_bos: true, context_size: 64 },
    };
    writeFileSync(join(withBos, "cfg.json"), JSON.stringify(cfgBos));
    const fromCfg = JSON.parse(
      cli("eval.ts", ["--model", "builtin", "--dict", withBos, "--sequences", "3"]).stdout,
    ) as typeof ev;
    expect(fromCfg.eval_windows).toMatchObject({ context_size: 64, prepend_bos: true });
    // Three windows of 63 tokens spread over the whole held-out slice.
    const heldOut = heldOutEnd - heldOutStart;
    const n = Math.floor(heldOut / 63);
    expect(fromCfg.eval_windows.token_offsets).toEqual(
      [0, 1, 2].map((i) => heldOutStart + Math.floor((i * n) / 3) * 63),
    );
    const overridden = JSON.parse(
      cli("eval.ts", [
        "--model",
        "builtin",
        "--dict",
        withBos,
        "--sequences",
        "1",
        "--no-prepend-bos",
        "--context-size",
        "32",
        "--include-special-tokens",
      ]).stdout,
    ) as typeof ev;
    expect(overridden.eval_windows).toMatchObject({
      context_size: 32,
      prepend_bos: false,
      exclude_special_tokens: [],
    });
  }, 240_000);

  it("trains an SAE on any hook", async () => {
    const out = join(dir, "sae");
    const result = await train([
      "--model",
      "builtin",
      "--hook",
      "blocks.0.hook_resid_post",
      "--kind",
      "sae",
      "--d-sae",
      "128",
      "--l1",
      "0.1",
      "--lr",
      "0.003",
      "--batch",
      "64",
      "--steps",
      "6",
      "--log-every",
      "3",
      "--eval-sequences",
      "0",
      "--buffer-batches",
      "2",
      "--out",
      out,
    ]);
    expect(result.spec).toMatchObject({ kind: "sae", hookName: "blocks.0.hook_resid_post" });
    expect(result.metrics).toHaveLength(2);
    expect(result.eval).toBeUndefined();
    // --seed 0 initialises the SAE as the page does a run's SAE of seed 0 (its own seed).
    const cfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8")) as {
      metadata: { seed: number };
    };
    expect(cfg.metadata.seed).toBe(plansOf({ ...GPU_DEFAULTS, seed: 0 })[0]!.seed);
    expect(cfg.metadata.seed).not.toBe(0);
  }, 60_000);

  it("refuses inconsistent flags", async () => {
    const tail = ["--d-sae", "8", "--steps", "1", "--out", join(dir, "bad")];
    const err = async (argv: string[]) => {
      try {
        await train([...argv, ...tail]);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error("expected a failure");
    };
    expect(await err(["--model", "builtin", "--data", "a", "--kind", "sae"])).toMatch(/not both/);
    expect(
      await err(["--model", "builtin", "--kind", "transcoder", "--hook", "h", "--layer", "1"]),
    ).toMatch(/--hook is for an SAE/);
    expect(await err(["--data", "a", "--kind", "sae", "--layer", "1"])).toBe(
      "--layer needs --model",
    );
    expect(
      await err(["--model", "builtin", "--kind", "sae", "--hook", "blocks.7.hook_mlp_out"]),
    ).toMatch(/unknown hook "blocks\.7\.hook_mlp_out"; this model \(4 layers\) has/);
    expect(await err(["--model", "builtin", "--kind", "transcoder", "--layer", "4"])).toBe(
      "--layer 4: the model has layers 0..3",
    );
  }, 60_000);

  it("npm run eval refuses a dictionary of the wrong width", async () => {
    const wrong = join(dir, "wrong");
    cpSync(join(root, "test", "fixtures", "golden", "transcoder", "init"), wrong, {
      recursive: true,
    });
    const r = cli("eval.ts", ["--model", "builtin", "--dict", wrong]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^eval: --dict .*wrong: this transcoder reads blocks\.0\.ln2\.hook_normalized → blocks\.0\.hook_mlp_out of a width-20 → 12 model; the loaded model is the built-in gpt2-brown, width 128, \d layers$/,
    );
  }, 60_000);
});
