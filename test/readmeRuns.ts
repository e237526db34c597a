/**
 * Every command in README.md's shell blocks runs as written, at small sizes: the commands, their
 * checks and how they are run. test/readmeCommands.test.ts checks that each README command is
 * here, and runs lane "a"; test/readmeCommandsLaneB.test.ts runs lane "b" (vitest runs the two
 * files side by side: each lane's commands read only what earlier commands of the same lane
 * wrote).
 *
 * The commands are read from the README's ```sh (also bash, shell and untagged) blocks, `\`
 * continuations joined and comments dropped; ```text blocks hold usage synopses and are not
 * commands. Each command is either run here, in RUN's order (each input made before it is
 * read), in a temporary folder that links to the project (so relative paths such as out/tc3 land
 * there; one folder per lane), or listed in SKIPPED_BY_DESIGN with the reason. A README command
 * that is neither fails readmeCommands.test.ts's first test, and so does a listed one the README
 * no longer has.
 *
 * Sizes are made small by replacing the values of these flags wherever a command has them (the
 * rest of the command is run as written):
 *
 * | flag                          | becomes | why                                              |
 * | ----------------------------- | ------- | ------------------------------------------------ |
 * | --steps                       | 2       | two training steps                               |
 * | --d-sae                       | 64      | 64 latents (as many as the README's largest k)   |
 * | --batch                       | 64      | 64 rows per step                                 |
 * | --eval-sequences, --sequences | 1       | one held-out window of 128 tokens                |
 * | --tokens N (a number)         | 256     | two windows (splice_check's --tokens is a file)  |
 * | --sweep SETTING=V1,V2,...     | V1,V2   | the first two values: two dictionaries per kind  |
 *
 * and `npm run train -- --model` gets `--buffer-batches 2` (2048 tokens): its default buffer of 20
 * store batches runs the model over 10,240 tokens before the first of the two steps, most of this
 * test's time on SwiftShader.
 *
 * Inputs made first: notes.txt (a few hundred words of English). acts.safetensors, out/tc3 and
 * ids.json are what earlier README commands write.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { bytesByteSource } from "../src/engine/formats/byteSource.ts";
import { openSafetensors } from "../src/engine/formats/safetensors.ts";
import { encodeText } from "../src/engine/text/tokenizer.ts";
import { readmeCommands } from "./readmeCommandsParse.ts";

export const root = join(import.meta.dirname, "..");

/** Commands that cannot run in a unit test, with the reason. */
export const SKIPPED_BY_DESIGN: Record<string, string> = {
  "npm install && npm run dev":
    "installs from the registry and starts a dev server that runs until stopped; the e2e tests serve the same app",
  "npm test": "runs the whole suite, this test among it",
  "npm run bench:device:prepare":
    "downloads a Node binary and the Vulkan loader (npm, apt); its bundle is used by the next command",
  "bash bench/device/run.sh":
    "runs on a lent GPU machine with the prepared bundle and OUT set; test/benchDevice.test.ts runs its --dry-run",
};

const SMALL: Record<string, string> = {
  "--steps": "2",
  "--d-sae": "64",
  "--batch": "64",
  "--eval-sequences": "1",
  "--sequences": "1",
  "--tokens": "256",
};

/** The command with the sizes above in place of the README's (numeric values only). */
function smallSizes(command: string): string {
  const words = command.split(" ");
  const small = words
    .map((w, i) => {
      const flag = words[i - 1];
      if (flag === "--sweep") return w.split(",").slice(0, 2).join(",");
      return flag !== undefined && flag in SMALL && /^[\d.e+-]+$/.test(w) ? SMALL[flag]! : w;
    })
    .join(" ");
  const stream = command.startsWith("npm run train -- --model ");
  return stream && !words.includes("--buffer-batches") ? `${small} --buffer-batches 2` : small;
}

const NOTES = Array.from(
  { length: 12 },
  (_, i) =>
    `Note ${i + 1}. The committee met on Tuesday to discuss the new budget, and the chairman said ` +
    `that the city would have to raise taxes or cut services before the end of the year. Several ` +
    `members asked whether the schools had been consulted; they had not, and the vote was delayed.`,
).join("\n\n");
/** The folder a lane runs in, with the project linked in and the README's notes.txt. */
function laneFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "readme-commands-"));
  // The project's files, linked: npm run and relative paths work from the temporary folder.
  for (const entry of [
    "package.json",
    "node_modules",
    "src",
    "shaders",
    "public",
    "tools",
    "test",
  ]) {
    symlinkSync(join(root, entry), join(dir, entry));
  }
  symlinkSync(join(root, "tsconfig.json"), join(dir, "tsconfig.json"));
  writeFileSync(join(dir, "notes.txt"), NOTES);
  return dir;
}

let dir = "";

function run(command: string): { stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", command], {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  expect(r.status, `${command}\n${r.stderr.slice(-2000)}`).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr };
}

const json = (path: string) =>
  JSON.parse(readFileSync(join(dir, path), "utf8")) as Record<string, unknown>;

async function tensorShapes(path: string): Promise<Record<string, number[]>> {
  const bytes = readFileSync(join(dir, path));
  const file = await openSafetensors(bytesByteSource(new Uint8Array(bytes), path));
  return Object.fromEntries([...file.tensors].map(([name, info]) => [name, [...info.shape]]));
}

/** A SAELens folder as `npm run train` writes it. */
async function expectSaelensFolder(folder: string, architecture: string) {
  const cfg = json(`${folder}/cfg.json`);
  expect(cfg.architecture).toBe(architecture);
  expect(cfg.d_sae).toBe(64);
  const shapes = await tensorShapes(`${folder}/sae_weights.safetensors`);
  expect(shapes.W_enc).toEqual([128, 64]);
  expect(shapes.W_dec).toEqual([64, 128]);
  expect(existsSync(join(dir, folder, "sparsity.safetensors"))).toBe(true);
  const metrics = readFileSync(join(dir, folder, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n");
  const last = JSON.parse(metrics[metrics.length - 1]!) as Record<string, number>;
  expect(last.step).toBe(2);
  for (const key of ["mse_loss", "l1_loss", "loss", "l0", "explained_variance", "fvu"]) {
    expect(Number.isFinite(last[key]), `${folder} metrics.jsonl ${key}`).toBe(true);
  }
  return cfg;
}

/** The spliced-in metrics sae_lens.evals reports. */
function expectEvalMetrics(m: Record<string, unknown>) {
  for (const key of ["ce_loss_without_sae", "ce_loss_with_sae", "ce_loss_with_ablation"]) {
    expect(Number.isFinite(m[key]), key).toBe(true);
  }
  // Printed rounded (splice_check.py: 4 decimals), so the ratio is checked to 2.
  expect(m.ce_loss_score).toBeCloseTo(
    ((m.ce_loss_with_ablation as number) - (m.ce_loss_with_sae as number)) /
      ((m.ce_loss_with_ablation as number) - (m.ce_loss_without_sae as number)),
    2,
  );
}

/** The README's commands this test runs, in the order their inputs need, each with its checks. */
export const RUN: {
  command: string;
  /** Commands of one lane run in order in one folder; the two lanes run side by side. */
  lane: "a" | "b";
  check: (out: { stdout: string; stderr: string }) => Promise<void> | void;
}[] = [
  {
    lane: "a",
    command:
      "npm run acts -- --model builtin --layer 3 --text-file notes.txt --out acts.safetensors",
    async check() {
      const shapes = await tensorShapes("acts.safetensors");
      const rows = shapes.x![0]!;
      expect(rows).toBeGreaterThanOrEqual(128);
      expect(rows).toBeLessThanOrEqual(encodeText(NOTES).length);
      // x and y per token, with the token ids they came from.
      expect(shapes).toEqual({ x: [rows, 128], y: [rows, 128], tokens: [rows] });
    },
  },
  {
    lane: "a",
    command:
      "npm run train -- --data acts.safetensors --kind transcoder --d-sae 4096 --l1 1 --lr 3e-4 --batch 4096 --steps 10000 --seed 0 --out out/tc",
    async check() {
      await expectSaelensFolder("out/tc", "transcoder");
    },
  },
  {
    lane: "a",
    command:
      "npm run train -- --model builtin --layer 3 --kind transcoder --d-sae 512 --l1 0.1 --lr 0.003 --batch 256 --steps 300 --normalize expected_average_only_in --eval-sequences 16 --out out/tc3",
    async check({ stdout }) {
      const cfg = await expectSaelensFolder("out/tc3", "transcoder");
      expect(cfg.metadata).toMatchObject({
        hook_name: "blocks.3.ln2.hook_normalized",
        hook_name_out: "blocks.3.hook_mlp_out",
      });
      const evaluation = json("out/tc3/eval.json");
      expectEvalMetrics(evaluation);
      expect(stdout).toContain(String(evaluation.ce_loss_score));
    },
  },
  {
    lane: "a",
    command:
      "npm run train -- --model builtin --kind sae --hook blocks.3.hook_mlp_out --d-sae 512 --l1 0.1 --lr 0.003 --batch 256 --steps 300 --normalize expected_average_only_in --eval-sequences 16 --out out/sae",
    async check() {
      const cfg = await expectSaelensFolder("out/sae", "standard");
      expect((cfg.metadata as { hook_name: string }).hook_name).toBe("blocks.3.hook_mlp_out");
      expectEvalMetrics(json("out/sae/eval.json"));
    },
  },
  {
    lane: "b",
    command:
      "npm run train -- --model builtin --layer 3 --kind sae,transcoder --architecture topk --sweep k=8,16,32,64 --d-sae 512 --lr 0.003 --batch 256 --steps 100 --normalize expected_average_only_in --eval-sequences 4 --out out/k-sweep",
    async check() {
      const ids = ["sae.L3.k8", "sae.L3.k16", "transcoder.L3.k8", "transcoder.L3.k16"];
      for (const id of ids)
        await expectSaelensFolder(
          `out/k-sweep/${id}`,
          id.startsWith("sae") ? "topk" : "topk_transcoder",
        );
      const sweep = json("out/k-sweep/sweep.json") as {
        dictionaries: { id: string; ce_loss_score: number }[];
      };
      expect(sweep.dictionaries.map((d) => d.id).sort()).toEqual([...ids].sort());
      for (const d of sweep.dictionaries) expect(Number.isFinite(d.ce_loss_score), d.id).toBe(true);
      const csv = readFileSync(join(dir, "out/k-sweep/sweep.csv"), "utf8").trim().split("\n");
      expect(csv).toHaveLength(1 + ids.length);
      expect(readFileSync(join(dir, "out/k-sweep/frontier.svg"), "utf8")).toContain("<svg");
    },
  },
  {
    lane: "b",
    command:
      "npm run train -- --model builtin --layers all --kind transcoder --d-sae 512 --l1 0.1 --lr 0.003 --batch 256 --steps 100 --eval-sequences 4 --out out/every-layer",
    async check() {
      for (const layer of [0, 1, 2, 3]) {
        await expectSaelensFolder(`out/every-layer/transcoder.L${layer}`, "transcoder");
        const shapes = await tensorShapes(
          `out/every-layer/circuit-tracer/layer_${layer}.safetensors`,
        );
        expect([shapes.W_enc, shapes.W_dec]).toEqual([
          [64, 128],
          [64, 128],
        ]);
      }
      expect(
        readFileSync(join(dir, "out/every-layer/circuit-tracer/config.yaml"), "utf8"),
      ).toContain('model_kind: "transcoder_set"');
    },
  },
  {
    lane: "b",
    command:
      'npm run attribute -- --model builtin --transcoders out/every-layer --prompt "The cat sat on the" --out graphs/the-cat.json --adjacency graphs/the-cat.safetensors',
    async check({ stdout }) {
      expect(stdout).toMatch(/pruned: \d+ nodes, \d+ edges/);
      const graph = json("graphs/the-cat.json") as { metadata: { slug: string } };
      expect(graph.metadata.slug).toBe("the-cat");
      const list = json("graphs/graph-metadata.json") as { graphs: { slug: string }[] };
      expect(list.graphs.map((g) => g.slug)).toEqual(["the-cat"]);
      const shapes = await tensorShapes("graphs/the-cat.safetensors");
      const n = shapes.adjacency![0]!;
      expect(shapes.adjacency).toEqual([n, n]);
      expect(shapes.tokens).toEqual([6]);
    },
  },
  {
    lane: "b",
    command: "npm run eval -- --model builtin --transcoders out/every-layer --sequences 16",
    check({ stdout }) {
      const out = JSON.parse(stdout.slice(stdout.indexOf("{"))) as {
        transcoder_set: { ce_loss_score: number; kl_div_with_sae: number };
        layers: unknown[];
      };
      expect(Number.isFinite(out.transcoder_set.ce_loss_score)).toBe(true);
      expect(out.transcoder_set.kl_div_with_sae).toBeGreaterThanOrEqual(0);
      expect(out.layers).toHaveLength(4);
    },
  },
  {
    lane: "a",
    command:
      "npm run train -- --synthetic tiny --kind sae,transcoder --architecture topk --k 4 --d-sae 128 --batch 1024 --steps 300 --truth-samples 4096 --export-truth out/truth --out out/synth",
    check() {
      const truth = json("out/synth/sae/ground_truth.json");
      expect(truth.mcc as number).toBeGreaterThan(0);
      expect(truth.samples).toBe(4096);
      const transcoder = json("out/synth/transcoder/ground_truth.json");
      expect((transcoder.encoder as { mcc: number }).mcc).toBeGreaterThan(0);
      expect(existsSync(join(dir, "out/truth/truth.safetensors"))).toBe(true);
    },
  },
  {
    lane: "a",
    command: "npm run synth-eval -- --dict out/synth/sae --truth out/truth --samples 4096",
    check({ stdout }) {
      const mcc = (json("out/synth/sae/ground_truth.json").mcc as number).toFixed(4);
      expect(stdout).toMatch(new RegExp(`mcc\\s+${mcc}`));
    },
  },
  {
    lane: "a",
    command: "npm run eval -- --model builtin --dict out/tc3 --sequences 16",
    check({ stdout }) {
      const m = JSON.parse(stdout.slice(stdout.indexOf("{"))) as Record<string, unknown>;
      expectEvalMetrics(m);
      // The same windows as the evaluation at the end of training: the same figures.
      expect(m.ce_loss_score).toBeCloseTo(json("out/tc3/eval.json").ce_loss_score as number, 4);
    },
  },
  {
    lane: "a",
    command: "npx tsx tools/token_ids.ts notes.txt > ids.json",
    check() {
      expect(json("ids.json")).toEqual(encodeText(NOTES));
    },
  },
  {
    lane: "a",
    command:
      "/usr/bin/python3 tools/splice_check.py --model public/builtin/gpt2-brown --dict out/tc3 --tokens ids.json",
    check({ stdout }) {
      expectEvalMetrics(JSON.parse(stdout.slice(stdout.indexOf("{"))) as Record<string, unknown>);
    },
  },
  {
    lane: "a",
    command:
      "npm run convert -- test/fixtures/formats/transcoder_circuits/final_sparse_autoencoder_gpt2-small_blocks.3.ln2.hook_normalized_12.pt --out out/tc-circuits",
    check() {
      const cfg = json("out/tc-circuits/cfg.json");
      expect(cfg.architecture).toBe("transcoder");
      expect(existsSync(join(dir, "out/tc-circuits/sae_weights.safetensors"))).toBe(true);
    },
  },
  {
    lane: "a",
    command:
      "npm run features -- --model builtin --dict out/tc3 --tokens 16384 --out features.json",
    check() {
      const out = json("features.json") as {
        metadata: Record<string, unknown>;
        features: unknown[];
      };
      expect(out.features).toHaveLength(64);
      expect(out.metadata.tokens_read).toBe(256);
    },
  },
];

/** Runs a lane's commands in order, each with its checks, in a folder of its own. */
export async function runLane(lane: "a" | "b", commands: readonly string[]): Promise<void> {
  dir = laneFolder();
  try {
    for (const { command, check } of RUN.filter((r) => r.lane === lane)) {
      if (!commands.includes(command)) continue; // readmeCommands.test.ts names it
      const t = performance.now();
      const out = run(smallSizes(command));
      console.log(`${((performance.now() - t) / 1000).toFixed(1)} s: ${smallSizes(command)}`);
      await check(out);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The README's commands, as the tests read them. */
export const readmeShellCommands = (): string[] =>
  readmeCommands(readFileSync(join(root, "README.md"), "utf8"));
