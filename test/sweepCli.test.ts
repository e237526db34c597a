/** npm run train --model with a kind list, --sweep and --layers: the outputs and the refusals. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CliError } from "../src/cli/cliError.ts";
import { runTrain } from "../src/cli/runTrain.ts";
import type { SweepResult } from "../src/cli/sweepTrain.ts";
import { parseTrainCommand, type TrainCommand } from "../src/cli/trainCommand.ts";
import { openSafetensors } from "../src/engine/formats/safetensors.ts";
import { inferenceReference } from "../src/engine/reference/dictionaryInference.ts";
import { openFileByteSource } from "../src/node/fileByteSource.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { loadSaelensFolder } from "../src/node/saelensFolder.ts";
import { testDevice } from "../src/node/testDevice.ts";

const dir = mkdtempSync(join(tmpdir(), "sweep-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TINY_RUN = ["--batch", "32", "--steps", "2", "--log-every", "1", "--buffer-batches", "2"];

async function train(argv: string[]): Promise<SweepResult> {
  const { device } = await testDevice();
  const cmd = parseTrainCommand(argv) as TrainCommand;
  return (await runTrain(cmd, device, loadNodeShaders())) as SweepResult;
}

async function tensors(path: string) {
  const src = await openFileByteSource(path);
  try {
    const f = await openSafetensors(src);
    const out: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
    for (const name of ["W_enc", "W_dec", "b_enc", "b_dec", "W_skip"]) {
      if (!f.has(name)) continue;
      out[name] = { shape: f.info(name).shape, data: await f.readF32(name) };
    }
    return out;
  } finally {
    await src.close();
  }
}

describe("npm run train --sweep / --kind list / --layers", () => {
  it("refuses what it cannot run, saying why", () => {
    const base = ["--model", "builtin", "--d-sae", "64", "--steps", "2", "--out", dir];
    const refusal = (argv: string[]) => {
      try {
        const cmd = parseTrainCommand(argv);
        return `parsed: ${JSON.stringify(cmd === "help" ? cmd : cmd.multi)}`;
      } catch (err) {
        expect(err).toBeInstanceOf(CliError);
        return (err as Error).message;
      }
    };
    const sae = [...base, "--kind", "sae", "--hook", "blocks.1.hook_resid_pre"];
    expect(refusal([...sae, "--sweep", "k"])).toMatch(/--sweep: a sweep is SETTING=V1,V2/);
    expect(refusal([...sae, "--sweep", "k=8", "--architecture", "topk", "--k", "4"])).toBe(
      "--sweep k=... and --k both set k",
    );
    expect(refusal([...base, "--kind", "sae,transcoder", "--layer", "1", "--layers", "all"])).toBe(
      "give --layer or --layers, not both",
    );
    expect(refusal([...base, "--kind", "transcoder", "--layers", "all", "--hook", "x"])).toBe(
      "--hook is for an SAE; a transcoder takes --layer",
    );
    expect(
      refusal([
        ...base,
        "--kind",
        "sae,transcoder",
        "--layers",
        "all",
        "--hook",
        "blocks.1.hook_resid_pre",
      ]),
    ).toMatch(/with --layers, --hook is a site without its layer \(e\.g\. hook_resid_pre\)/);
    expect(
      refusal([
        ...base,
        "--kind",
        "sae,transcoder",
        "--layer",
        "3",
        "--hook",
        "blocks.1.hook_resid_pre",
      ]),
    ).toMatch(/--hook blocks.1.hook_resid_pre is at layer 1 but --layer is 3/);
    expect(refusal([...base, "--kind", "sae,transcoder", "--layer", "1", "--init", dir])).toBe(
      "--init starts one dictionary, not a kind list",
    );
    expect(refusal([...base, "--kind", "sae,crosscoder", "--layer", "1"])).toMatch(
      /--kind expects sae, transcoder or a list of them, got "crosscoder"/,
    );
    const data = ["--data", "x.safetensors", "--kind", "sae,transcoder", "--d-sae", "8"];
    expect(refusal([...data, "--steps", "2", "--out", dir])).toBe(
      "a kind list trains on a model's stream: give --model",
    );
    expect(refusal([...base, "--kind", "sae,transcoder", "--layer", "1"])).toBe(
      `parsed: {"kinds":["sae","transcoder"]}`,
    );
  });

  it("refuses a swept setting the architecture does not read, and a layer the model lacks", async () => {
    const base = ["--model", "builtin", "--d-sae", "32", ...TINY_RUN, "--out", join(dir, "no")];
    await expect(
      train([...base, "--kind", "sae,transcoder", "--layer", "1", "--sweep", "k=4,8"]),
    ).rejects.toThrow(
      "--sweep: cannot sweep k with architecture standard: only topk, batchtopk and matryoshka_batchtopk read it",
    );
    await expect(train([...base, "--kind", "transcoder", "--layers", "0,7"])).rejects.toThrow(
      `layers: "7" is not a layer of this model (0..3)`,
    );
    expect(existsSync(join(dir, "no"))).toBe(false);
  }, 120_000);

  it("writes a folder per dictionary, sweep.json, sweep.csv and frontier.svg", async () => {
    const out = join(dir, "sweep");
    const result = await train([
      "--model",
      "builtin",
      "--layer",
      "1",
      "--kind",
      "sae,transcoder",
      "--architecture",
      "topk",
      "--sweep",
      "k=2,4",
      "--d-sae",
      "32",
      "--lr",
      "0.003",
      ...TINY_RUN,
      "--eval-sequences",
      "1",
      "--out",
      out,
    ]);
    const ids = ["sae.L1.k2", "sae.L1.k4", "transcoder.L1.k2", "transcoder.L1.k4"];
    expect(result.rows.map((r) => r.id)).toEqual(ids);
    for (const id of ids) {
      for (const f of [
        "cfg.json",
        "sae_weights.safetensors",
        "sparsity.safetensors",
        "eval.json",
      ]) {
        expect(existsSync(join(out, id, f))).toBe(true);
      }
      const lines = readFileSync(join(out, id, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n");
      expect(lines.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([1, 2]);
    }
    const sae = JSON.parse(readFileSync(join(out, "sae.L1.k4", "cfg.json"), "utf8")) as {
      metadata: Record<string, unknown>;
      d_sae: number;
    };
    // The SAE of a kind list reads the transcoder's target unless --hook says otherwise.
    expect(sae.metadata.hook_name).toBe("blocks.1.hook_mlp_out");
    expect(sae.d_sae).toBe(32);
    const json = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8")) as {
      dictionaries: Record<string, unknown>[];
    };
    expect(json.dictionaries).toEqual(result.rows);
    const t4 = result.rows[3]!;
    expect(t4).toMatchObject({
      kind: "transcoder",
      layer: 1,
      hook_name: "blocks.1.ln2.hook_normalized",
      hook_name_out: "blocks.1.hook_mlp_out",
      architecture: "topk",
      swept_setting: "k",
      swept_value: 4,
      k: 4,
      d_sae: 32,
      lr: 0.003,
      batch_size: 32,
      steps: 2,
      final_step: 2,
      l0: 4,
      eval_sequences: 1,
    });
    const evalJson = JSON.parse(readFileSync(join(out, t4.id, "eval.json"), "utf8")) as Record<
      string,
      number
    >;
    expect(t4.ce_loss_score).toBe(evalJson.ce_loss_score);
    expect(t4.ce_loss_with_sae).toBe(evalJson.ce_loss_with_sae);
    const cfg = JSON.parse(readFileSync(join(out, t4.id, "cfg.json"), "utf8")) as {
      metadata: { seed?: number };
    };
    expect(cfg.metadata.seed ?? (cfg as { seed?: number }).seed).toBe(t4.seed);
    const csv = readFileSync(join(out, "sweep.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(5);
    const header = csv[0]!.split(",");
    const row = csv[4]!.split(",");
    expect(row[header.indexOf("id")]).toBe("transcoder.L1.k4");
    expect(Number(row[header.indexOf("fvu")])).toBe(t4.fvu);
    expect(Number(row[header.indexOf("ce_loss_score")])).toBe(t4.ce_loss_score);
    const svg = readFileSync(join(out, "frontier.svg"), "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain(">ce_loss_score (higher is better)</text>");
    expect(svg).toContain(">FVU (lower is better)</text>");
    // Two lines (sae, transcoder) in each of the two panels.
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(existsSync(join(out, "circuit-tracer"))).toBe(false);
  }, 600_000);

  it("writes a transcoder at every layer as circuit-tracer's transcoder set", async () => {
    const out = join(dir, "layers");
    const result = await train([
      "--model",
      "builtin",
      "--kind",
      "transcoder",
      "--layers",
      "0,1",
      "--d-sae",
      "16",
      "--l1",
      "0.3",
      ...TINY_RUN,
      "--eval-sequences",
      "0",
      "--out",
      out,
    ]);
    expect(result.rows.map((r) => [r.id, r.hook_name])).toEqual([
      ["transcoder.L0", "blocks.0.ln2.hook_normalized"],
      ["transcoder.L1", "blocks.1.ln2.hook_normalized"],
    ]);
    const yaml = readFileSync(join(out, "circuit-tracer", "config.yaml"), "utf8");
    expect(yaml).toContain('model_kind: "transcoder_set"');
    expect(yaml).toContain('feature_input_hook: "ln2.hook_normalized"');
    expect(yaml).toContain('feature_output_hook: "hook_mlp_out"');
    for (const layer of [0, 1]) {
      const file = join(out, "circuit-tracer", `layer_${layer}.safetensors`);
      expect(yaml).toContain(`  - ${JSON.stringify(file)}\n`);
      // circuit-tracer's SingleLayerTranscoder (decoderesearch @4bb8c0e) on what load_transcoder
      // reads from the file: relu(F.linear(x, W_enc, b_enc)) @ W_dec + b_dec (no W_skip here).
      const t = await tensors(file);
      const d = 128;
      const m = 16;
      expect(t.W_enc!.shape).toEqual([m, d]);
      expect(t.W_dec!.shape).toEqual([m, d]);
      expect(t.W_skip).toBeUndefined();
      const x = Float64Array.from({ length: 3 * d }, (_, i) => Math.sin(i * 0.37) * 2);
      const ours = await loadSaelensFolder(join(out, `transcoder.L${layer}`));
      const expected = inferenceReference(ours.spec, ours.params, x, 3).output;
      for (let r = 0; r < 3; r++) {
        const acts = new Float64Array(m);
        for (let f = 0; f < m; f++) {
          let s = t.b_enc!.data[f]!;
          for (let i = 0; i < d; i++) s += x[r * d + i]! * t.W_enc!.data[f * d + i]!;
          acts[f] = Math.max(0, s);
        }
        for (let o = 0; o < d; o++) {
          let y = t.b_dec!.data[o]!;
          for (let f = 0; f < m; f++) y += acts[f]! * t.W_dec!.data[f * d + o]!;
          expect(y).toBeCloseTo(expected[r * d + o]!, 9);
        }
      }
    }
  }, 300_000);
});
