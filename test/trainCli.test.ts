/** `npm run train`: every bad input gives one line naming the file, the tensor and what was expected. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTrain } from "../src/cli/runTrain.ts";
import { parseTrainCommand, type TrainCommand } from "../src/cli/trainCommand.ts";
import { writeSafetensors } from "../src/engine/formats/safetensors.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { testDevice } from "../src/node/testDevice.ts";

const dir = mkdtempSync(join(tmpdir(), "train-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = join(import.meta.dirname, "..");
const saeInit = join(root, "test", "fixtures", "golden", "sae", "init");

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
}

function actsFile(name: string, tensors: { name: string; shape: number[]; data?: Float32Array }[]) {
  const path = join(dir, name);
  const bytes = writeSafetensors(
    tensors.map((t) => ({
      name: t.name,
      dtype: "F32" as const,
      shape: t.shape,
      data:
        t.data ??
        values(
          t.shape.reduce((a, b) => a * b, 1),
          1,
        ),
    })),
  );
  writeFileSync(path, bytes);
  return path;
}

async function trainError(argv: string[]): Promise<string> {
  const { device } = await testDevice();
  try {
    const cmd = parseTrainCommand([...argv, "--out", join(dir, "out")]) as TrainCommand;
    await runTrain(cmd, device, loadNodeShaders());
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the run to fail");
}

const base = ["--kind", "sae", "--d-sae", "8", "--batch", "4", "--steps", "2"];

describe("npm run train: bad input", () => {
  it("unknown flag", async () => {
    expect(await trainError(["--data", "a", ...base, "--bogus", "1"])).toMatch(
      /Unknown option '--bogus'.*usage: npm run train/,
    );
  });

  it("missing or malformed values", async () => {
    expect(await trainError(["--kind", "sae", "--d-sae", "8", "--steps", "2"])).toBe(
      "missing --data",
    );
    expect(await trainError(["--data", "a", ...base, "--lr=-1"])).toBe(
      '--lr expects a number > 0, got "-1"',
    );
    expect(await trainError(["--data", "a", "--kind", "mlp", "--d-sae", "8", "--steps", "1"])).toBe(
      '--kind expects one of sae|transcoder, got "mlp"',
    );
    expect(await trainError(["--data", "a", ...base, "--batch", "2.5"])).toBe(
      '--batch expects an integer >= 1, got "2.5"',
    );
  });

  it("missing file", async () => {
    const path = join(dir, "nope.safetensors");
    expect(await trainError(["--data", path, ...base])).toBe(`${path}: file not found`);
  });

  it("missing tensor", async () => {
    const path = actsFile("no-x.safetensors", [{ name: "acts", shape: [10, 4] }]);
    expect(await trainError(["--data", path, ...base])).toMatch(
      new RegExp(`^${path}: missing tensor "x".*acts`),
    );
    const noY = actsFile("no-y.safetensors", [{ name: "x", shape: [10, 4] }]);
    const msg = await trainError([
      "--data",
      noY,
      "--kind",
      "transcoder",
      "--d-sae",
      "8",
      "--steps",
      "1",
    ]);
    expect(msg).toBe(`${noY}: missing tensor "y" [N, d_out]: a transcoder needs targets`);
  });

  it("misshapen tensor", async () => {
    const flat = actsFile("flat.safetensors", [{ name: "x", shape: [40] }]);
    expect(await trainError(["--data", flat, ...base])).toMatch(
      new RegExp(`^${flat}: tensor "x": .*\\[N, d_in\\].*\\[40\\]`),
    );
    const rows = actsFile("rows.safetensors", [
      { name: "x", shape: [10, 4] },
      { name: "y", shape: [9, 3] },
    ]);
    const msg = await trainError([
      "--data",
      rows,
      "--kind",
      "transcoder",
      "--d-sae",
      "8",
      "--steps",
      "1",
    ]);
    expect(msg).toMatch(new RegExp(`^${rows}: tensor "y": .*\\[10, d_out\\].*\\[9, 3\\]`));
  });

  it("width that disagrees with --init", async () => {
    const path = actsFile("narrow.safetensors", [{ name: "x", shape: [10, 20] }]);
    expect(await trainError(["--data", path, "--init", saeInit, "--steps", "1"])).toBe(
      `--init ${saeInit}: cfg.json has d_in 24 but ${path} tensor "x" has 20 columns`,
    );
    const wide = actsFile("wide.safetensors", [{ name: "x", shape: [10, 24] }]);
    expect(
      await trainError(["--data", wide, "--init", saeInit, "--d-sae", "9", "--steps", "1"]),
    ).toBe(`--init ${saeInit}: cfg.json has d_sae 72 but --d-sae is 9`);
    expect(
      await trainError(["--data", wide, "--init", saeInit, "--kind", "transcoder", "--steps", "1"]),
    ).toBe(`--init ${saeInit}: cfg.json is a sae but --kind is transcoder`);
  });

  it("NaN or Inf in the data", async () => {
    const data = values(40, 2);
    data[4 * 7 + 2] = NaN;
    const nan = actsFile("nan.safetensors", [{ name: "x", shape: [10, 4], data }]);
    expect(await trainError(["--data", nan, ...base])).toBe(
      `${nan}: tensor "x": NaN at row 7, column 2; expected finite values`,
    );
    const y = values(30, 3);
    y[29] = -Infinity;
    const inf = actsFile("inf.safetensors", [
      { name: "x", shape: [10, 4] },
      { name: "y", shape: [10, 3], data: y },
    ]);
    expect(
      await trainError(["--data", inf, "--kind", "transcoder", "--d-sae", "8", "--steps", "1"]),
    ).toBe(`${inf}: tensor "y": -Infinity at row 9, column 2; expected finite values`);
  });

  it("truncated file", async () => {
    const good = readFileSync(actsFile("full.safetensors", [{ name: "x", shape: [10, 4] }]));
    const path = join(dir, "truncated.safetensors");
    writeFileSync(path, good.subarray(0, good.length - 8));
    expect(await trainError(["--data", path, ...base])).toMatch(
      new RegExp(`^${path}: .*truncated.*"x"`),
    );
  });

  it("header longer than the file", async () => {
    const path = join(dir, "header.safetensors");
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    writeFileSync(path, bytes);
    expect(await trainError(["--data", path, ...base])).toBe(
      `${path}: header of 1000 bytes is longer than the file (16 bytes)`,
    );
  });
});

describe("the train command's process", () => {
  const run = (args: string[]) =>
    spawnSync(
      process.execPath,
      ["--import", "tsx", join(root, "src", "cli", "train.ts"), ...args],
      {
        encoding: "utf8",
        cwd: root,
      },
    );

  it("prints one line and exits non-zero on bad input, with no stack trace", () => {
    const r = run(["--data", join(dir, "missing.safetensors"), ...base, "--out", join(dir, "o")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      `train: ${join(dir, "missing.safetensors")}: file not found`,
    ]);
    const flag = run(["--frobnicate"]);
    expect(flag.status).toBe(1);
    expect(flag.stderr.trim().split("\n")).toHaveLength(1);
    expect(flag.stderr).toMatch(/^train: Unknown option '--frobnicate'/);
  });

  it("--help prints the flags", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--normalize MODE/);
  });
});
