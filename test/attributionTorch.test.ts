/**
 * Issue 22's "Checked independently": npm run attribute's adjacency against
 * tools/attribution_check.py, circuit-tracer's method rebuilt in float64 PyTorch autograd, edge by
 * edge, with the node ids in circuit-tracer's order. One CLI run on the built-in model with a
 * width-32 set at every layer (ReLU, TopK, JumpReLU + skip, TopK + skip); the check must pass
 * on the file as written and fail on a copy with one edge moved by 0.1%.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomTranscoderSet } from "../src/engine/circuits/randomTranscoderSet.ts";
import { writeTranscoderSet } from "../src/engine/circuits/setFiles.ts";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "attribution-torch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const setDir = join(dir, "set");
const graphPath = join(dir, "graphs", "check.json");
const adjacencyPath = join(dir, "graphs", "check.safetensors");
const tamperedPath = join(dir, "tampered.safetensors");
const TOLERANCE = 1e-5;

interface CheckReport {
  pass: boolean;
  node_ids_equal: boolean;
  nodes: { file: number; torch: number; features: number; logits: number };
  self_checks: Record<string, number>;
  comparison: {
    max_abs_adjacency: number;
    max_relative_error: number;
    worst_rows: { node: string; source: string; relative_error: number }[];
    rows_over_tolerance: number;
    max_abs_in_error_and_embedding_rows: number;
    activation_relative_error: number;
    logit_probability_error: number;
  };
  graph_json?: { links: number; link_relative_error: number; problems: string[] };
}

function writeSet(): void {
  const set = randomTranscoderSet(
    128,
    [
      { dSae: 32, activation: { kind: "relu" } },
      { dSae: 32, activation: { kind: "topk", k: 6 } },
      { dSae: 32, activation: { kind: "jumprelu", relu: false }, skip: true },
      { dSae: 32, activation: { kind: "topk", k: 4 }, skip: true },
    ],
    11,
    "gpt2-brown (built-in)",
  );
  for (const [path, bytes] of Object.entries(writeTranscoderSet(set).files)) {
    mkdirSync(dirname(join(setDir, path)), { recursive: true });
    writeFileSync(join(setDir, path), bytes);
  }
}

interface CheckRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The check as a child process; both checks run at once (one torch thread each). */
function torchCheck(adjacency: string, extra: string[] = []): Promise<CheckRun> {
  const args = ["tools/attribution_check.py", "--model", "builtin", "--transcoders", setDir];
  const child = spawn("/usr/bin/python3", [...args, "--adjacency", adjacency, "--json", ...extra], {
    cwd: root,
    timeout: 120_000,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr })),
  );
}

function reportOf(run: CheckRun): CheckReport {
  expect(run.stdout, run.stderr).not.toBe("");
  return JSON.parse(run.stdout) as CheckReport;
}

/** A copy of the adjacency file with the largest edge of the last row (a logit) times 1.001. */
function tamper(): { target: string; source: string } {
  const bytes = readFileSync(adjacencyPath);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<
    string,
    { shape: number[]; data_offsets: [number, number] }
  > & { __metadata__: { node_ids: string } };
  const ids = JSON.parse(header.__metadata__.node_ids) as string[];
  const n = ids.length;
  const start = 8 + headerLength + header.adjacency!.data_offsets[0];
  const row = n - 1;
  let column = 0;
  for (let c = 0; c < n; c++) {
    const at = (k: number) => Math.abs(bytes.readFloatLE(start + 4 * (row * n + k)));
    if (at(c) > at(column)) column = c;
  }
  const offset = start + 4 * (row * n + column);
  bytes.writeFloatLE(bytes.readFloatLE(offset) * 1.001, offset);
  writeFileSync(tamperedPath, bytes);
  return { target: ids[row]!, source: ids[column]! };
}

describe("tools/attribution_check.py against npm run attribute", () => {
  let cli: ReturnType<typeof spawnSync>;
  let edge: { target: string; source: string };
  let checked: CheckRun;
  let tampered: CheckRun;
  beforeAll(async () => {
    writeSet();
    cli = spawnSync(
      "npx",
      [
        ...["tsx", join(root, "src", "cli", "attribute.ts"), "--model", "builtin"],
        ...["--transcoders", setDir, "--prompt", "Edges are checked one by one"],
        ...["--batch-rows", "128", "--out", graphPath, "--adjacency", adjacencyPath],
      ],
      { cwd: root, encoding: "utf8", timeout: 120_000 },
    );
    if (cli.status !== 0) return;
    edge = tamper();
    [checked, tampered] = await Promise.all([
      torchCheck(adjacencyPath, ["--graph", graphPath]),
      torchCheck(tamperedPath),
    ]);
  });

  it("finds the same node ids in the same order and every edge within 1e-5 of max |A|", () => {
    expect(cli.status, String(cli.stderr)).toBe(0);
    const report = reportOf(checked);
    expect(report.node_ids_equal).toBe(true);
    // Features at every layer (width 32, P = 7 + BOS) and at least one logit.
    expect(report.nodes.features).toBeGreaterThan(50);
    expect(report.nodes.logits).toBeGreaterThanOrEqual(1);
    expect(report.nodes.file).toBe(report.nodes.features + 4 * 8 + 8 + report.nodes.logits);
    const c = report.comparison;
    expect(c.max_abs_adjacency).toBeGreaterThan(0.1);
    expect(c.max_relative_error).toBeLessThan(TOLERANCE);
    expect(c.max_abs_in_error_and_embedding_rows).toBe(0);
    expect(c.activation_relative_error).toBeLessThan(TOLERANCE);
    expect(c.logit_probability_error).toBeLessThan(TOLERANCE);
    // The torch model's own float64 checks: its forward is gpt2_reference's, and it is linear.
    for (const value of Object.values(report.self_checks)) expect(value).toBeLessThan(1e-9);
    expect(report.graph_json!.links).toBeGreaterThan(0);
    expect(report.graph_json!.problems).toEqual([]);
    expect(report.graph_json!.link_relative_error).toBeLessThan(TOLERANCE);
    expect(report.pass).toBe(true);
    expect(checked.status).toBe(0);
  });

  it("fails, naming the edge, when one edge of the file is off by 0.1%", () => {
    expect(cli.status, String(cli.stderr)).toBe(0);
    const report = reportOf(tampered);
    expect(report.node_ids_equal).toBe(true);
    expect(report.pass).toBe(false);
    expect(tampered.status).toBe(1);
    expect(report.comparison.max_relative_error).toBeGreaterThan(TOLERANCE);
    expect(report.comparison.rows_over_tolerance).toBe(1);
    expect(report.comparison.worst_rows[0]).toMatchObject({
      node: edge.target,
      source: edge.source,
    });
  });
});
