/**
 * npm run train --architecture: every architecture as an SAE and as a transcoder (with and
 * without a skip connection) from the command line, on activation files and on the built-in
 * model's stream; the folders it writes load back (npm run eval's loader), and bad flags say
 * what is wrong.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TOPK_TRANSCODER_NOTE } from "../src/engine/formats/saelensCfg.ts";
import { runTrain } from "../src/cli/runTrain.ts";
import { parseTrainCommand, TRAIN_HELP, type TrainCommand } from "../src/cli/trainCommand.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { loadSaelensFolder } from "../src/node/saelensFolder.ts";
import { testDevice } from "../src/node/testDevice.ts";
import { GOLDEN } from "./architectureFixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "train-arch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = join(import.meta.dirname, "..");
const saeActs = join(GOLDEN, "topk_sae", "acts.safetensors");
const transcoderActs = join(GOLDEN, "topk_transcoder", "acts.safetensors");

async function train(argv: string[]) {
  const { device } = await testDevice();
  return runTrain(parseTrainCommand(argv) as TrainCommand, device, loadNodeShaders());
}

async function trainError(argv: string[]): Promise<string> {
  try {
    await train([...argv, "--out", join(dir, "failed")]);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the run to fail");
}

const base = (kind: "sae" | "transcoder") => [
  ...["--data", kind === "sae" ? saeActs : transcoderActs, "--kind", kind, "--d-sae", "48"],
  ...["--batch", "32", "--steps", "4", "--lr", "0.01", "--seed", "1", "--log-every", "2"],
  ...["--dead-feature-window", "2"],
];

interface Run {
  kind: "sae" | "transcoder";
  flags: string[];
  /** cfg.json's architecture. */
  saved: string;
  /** metrics.jsonl keys beyond the shared ones. */
  metrics: string[];
}

const RUNS: Run[] = [
  { kind: "sae", flags: [], saved: "standard", metrics: ["l1_loss"] },
  {
    kind: "sae",
    flags: ["--architecture", "topk", "--k", "4", "--aux-k-coefficient", "0.5"],
    saved: "topk",
    metrics: ["auxiliary_reconstruction_loss"],
  },
  {
    kind: "sae",
    flags: ["--architecture", "batchtopk", "--k", "3.5", "--topk-threshold-lr", "0.05"],
    saved: "jumprelu",
    metrics: ["auxiliary_reconstruction_loss", "topk_threshold"],
  },
  {
    kind: "sae",
    flags: ["--architecture", "matryoshka_batchtopk", "--k", "3", "--matryoshka-widths", "8,24,48"],
    saved: "jumprelu",
    metrics: [
      "auxiliary_reconstruction_loss",
      "topk_threshold",
      "inner_mse_loss_8",
      "inner_mse_loss_24",
    ],
  },
  {
    kind: "sae",
    flags: [
      ...["--architecture", "jumprelu", "--l0-coefficient", "0.2"],
      ...["--jumprelu-init-threshold", "0.05", "--jumprelu-bandwidth", "0.05"],
      ...["--pre-act-loss-coefficient", "0.5"],
    ],
    saved: "jumprelu",
    metrics: ["l0_loss", "pre_act_loss", "l0_coefficient"],
  },
  { kind: "transcoder", flags: ["--skip"], saved: "skip_transcoder", metrics: ["l1_loss"] },
  {
    kind: "transcoder",
    flags: ["--architecture", "topk", "--k", "4", "--normalize", "expected_average_only_in"],
    saved: "topk_transcoder",
    metrics: ["auxiliary_reconstruction_loss"],
  },
  {
    kind: "transcoder",
    flags: [
      "--architecture",
      "batchtopk",
      "--k",
      "3",
      "--skip",
      "--no-rescale-acts-by-decoder-norm",
    ],
    saved: "jumprelu_skip_transcoder",
    metrics: ["auxiliary_reconstruction_loss", "topk_threshold"],
  },
  {
    kind: "transcoder",
    // The default widths for d_sae 48: 6, 12, 24, 48.
    flags: ["--architecture", "matryoshka_batchtopk", "--k", "3"],
    saved: "jumprelu_transcoder",
    metrics: ["inner_mse_loss_6", "inner_mse_loss_12", "inner_mse_loss_24"],
  },
  {
    kind: "transcoder",
    flags: ["--architecture", "jumprelu", "--skip", "--jumprelu-sparsity-loss-mode", "tanh"],
    saved: "jumprelu_skip_transcoder",
    metrics: ["l0_loss"],
  },
];

describe("npm run train --architecture on activation files", () => {
  it("documents the architecture flags", () => {
    for (const flag of [
      "--architecture",
      "--k",
      "--skip",
      "--aux-k-coefficient",
      "--topk-threshold-lr",
      "--matryoshka-widths",
      "--l0-coefficient",
      "--jumprelu-sparsity-loss-mode",
      "--jumprelu-bandwidth",
      "--jumprelu-init-threshold",
      "--pre-act-loss-coefficient",
      "--dead-feature-window",
    ]) {
      expect(TRAIN_HELP).toContain(flag);
    }
  });

  it("refuses flags the architecture does not read, and impossible settings", async () => {
    expect(await trainError([...base("sae"), "--k", "4"])).toBe(
      "--k is for --architecture topk or batchtopk or matryoshka_batchtopk, not standard",
    );
    expect(await trainError([...base("sae"), "--architecture", "topk", "--l1", "2"])).toBe(
      "--l1 is for --architecture standard, not topk",
    );
    expect(
      await trainError([...base("sae"), "--architecture", "topk", "--l0-coefficient", "1"]),
    ).toBe("--l0-coefficient is for --architecture jumprelu, not topk");
    expect(await trainError([...base("sae"), "--skip"])).toBe("--skip is for a transcoder");
    expect(await trainError([...base("sae"), "--architecture", "topk", "--k", "2.5"])).toBe(
      "topk: k must be an integer in 1..d_sae (48), got 2.5",
    );
    expect(await trainError([...base("sae"), "--architecture", "topk", "--k", "49"])).toBe(
      "topk: k must be an integer in 1..d_sae (48), got 49",
    );
    expect(await trainError([...base("sae"), "--architecture", "gated"])).toBe(
      '--architecture expects one of standard|topk|batchtopk|matryoshka_batchtopk|jumprelu, got "gated"',
    );
    const matryoshka = [...base("sae"), "--architecture", "matryoshka_batchtopk", "--k", "3"];
    expect(
      await trainError(
        [...base("sae"), "--architecture", "batchtopk"].concat(["--matryoshka-widths", "8,48"]),
      ),
    ).toBe("--matryoshka-widths is for --architecture matryoshka_batchtopk, not batchtopk");
    expect(await trainError([...matryoshka, "--matryoshka-widths", "8,24"])).toBe(
      "--matryoshka-widths 8,24: the last of matryoshka_widths must be d_sae (48), got 24",
    );
    expect(await trainError([...matryoshka, "--matryoshka-widths", "24,8,48"])).toBe(
      "--matryoshka-widths 24,8,48: matryoshka_widths must be strictly increasing (24 then 8)",
    );
    expect(await trainError([...matryoshka, "--matryoshka-widths", "8,x,48"])).toBe(
      '--matryoshka-widths 8,x,48: matryoshka widths "8,x,48": item 2 ("x") is not a positive integer',
    );
    expect(await trainError([...matryoshka, "--matryoshka-widths", "0,48"])).toBe(
      "--matryoshka-widths 0,48: matryoshka_widths[0] = 0: every width must be a positive integer",
    );
  });

  for (const run of RUNS) {
    it(`${run.flags.join(" ") || "standard"} (${run.kind}) saves ${run.saved}`, async () => {
      const out = join(dir, `${run.kind}-${run.flags.join("")}`);
      const result = await train([...base(run.kind), ...run.flags, "--out", out]);
      expect(result.metrics.map((m) => m.step)).toEqual([2, 4]);
      const logged = readFileSync(join(out, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, number>);
      for (const key of ["mse_loss", "loss", "l0", "dead_features", ...run.metrics]) {
        expect(Number.isFinite(logged[1]![key]), key).toBe(true);
      }
      const cfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8")) as {
        architecture: string;
        metadata: Record<string, unknown>;
      };
      expect(cfg.architecture).toBe(run.saved);
      if (run.saved === "topk_transcoder") expect(cfg.metadata.note).toBe(TOPK_TRANSCODER_NOTE);
      const saved = await loadSaelensFolder(out);
      expect(saved.spec.activation).toEqual(result.spec.activation);
      expect(saved.spec.skip).toBe(result.spec.skip);
      expect(saved.params.threshold !== undefined).toBe(run.saved.startsWith("jumprelu"));
      expect(saved.params.wSkip !== undefined).toBe(run.saved.includes("skip"));
    });
  }

  it("continues from a saved folder as its architecture, and refuses what cannot continue", async () => {
    const topk = join(dir, "topk-first");
    await train([...base("sae"), "--architecture", "topk", "--k", "5", "--out", topk]);
    const next = await train([
      ...base("sae"),
      ...["--init", topk, "--steps", "2", "--out", join(dir, "topk-next")],
    ]);
    expect(next.spec.activation).toEqual({ kind: "topk", k: 5 });

    const batch = join(dir, "batchtopk-first");
    await train([...base("sae"), "--architecture", "batchtopk", "--k", "2", "--out", batch]);
    const again = await train([
      ...base("sae"),
      ...["--init", batch, "--architecture", "batchtopk", "--k", "2"],
      ...["--steps", "2", "--out", join(dir, "batchtopk-next")],
    ]);
    expect(again.metrics.at(-1)!.topk_threshold).toBeGreaterThan(0);

    const perLatent = join(GOLDEN, "jumprelu_sae", "exported");
    expect(
      await trainError([...base("sae"), "--init", perLatent, "--architecture", "batchtopk"]),
    ).toBe(
      `--init ${perLatent}: a jumprelu dictionary with per-latent thresholds cannot start a batchtopk run`,
    );
    expect(await trainError([...base("sae"), "--init", topk, "--architecture", "jumprelu"])).toBe(
      `--init ${topk}: a topk dictionary cannot start a jumprelu run`,
    );
  });
});

describe("npm run train --architecture on the built-in model's stream", () => {
  it("trains a TopK skip transcoder that npm run eval loads and scores the same", async () => {
    const out = join(dir, "stream-topk");
    const result = await train([
      ...["--model", "builtin", "--layer", "1", "--kind", "transcoder", "--d-sae", "128"],
      ...["--architecture", "topk", "--k", "8", "--skip", "--lr", "0.003", "--batch", "128"],
      ...["--steps", "8", "--log-every", "4", "--eval-sequences", "1", "--out", out],
      // 2 store batches fill the shuffle buffer (the default 20 runs the model 10x longer).
      ...["--buffer-batches", "2"],
    ]);
    expect(result.metrics.map((m) => m.l0)).toEqual([8, 8]);
    const cfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8")) as Record<string, unknown>;
    expect(cfg).toMatchObject({ architecture: "topk_skip_transcoder", k: 8, d_in: 128 });
    const r = spawnSync(
      "npx",
      [
        "tsx",
        join(root, "src", "cli", "eval.ts"),
        "--model",
        "builtin",
        "--dict",
        out,
        "--sequences",
        "1",
      ],
      { cwd: root, encoding: "utf8" },
    );
    expect(r.stderr.trim()).toBe("");
    const again = JSON.parse(r.stdout) as { ce_loss_score: number };
    expect(again.ce_loss_score).toBeCloseTo(result.eval!.ce_loss_score, 4);
  });
});
