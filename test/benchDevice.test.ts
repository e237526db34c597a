/**
 * The GPU benchmark script (bench/device/run.sh) run end to end in its dry run: every section at
 * tiny shapes on SwiftShader, PyTorch's peer on the CPU; its one JSON file must hold every figure,
 * finite and positive. This is what shows that the script works before a GPU is ever lent.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);

type Json = Record<string, unknown>;
const positive = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0;

describe("bench/device/run.sh --dry-run", () => {
  let out: string;
  let result: Json;
  let stdout: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "device-bench-test-"));
    ({ stdout } = await run("bash", ["bench/device/run.sh", "--dry-run"], {
      env: { ...process.env, OUT: out },
      maxBuffer: 16 * 1024 * 1024,
    }));
    result = JSON.parse(await readFile(join(out, "device-bench.json"), "utf8")) as Json;
  }, 300_000);

  afterAll(() => rm(out, { recursive: true, force: true }));

  it("runs every section, PyTorch's peer included, and prints the adapter", () => {
    expect(result.dryRun).toBe(true);
    const sections = result.sections as Record<string, { status: string; stderrTail?: string }>;
    expect(Object.keys(sections).sort()).toEqual([
      "adapter",
      "bench-gpt2small-sae",
      "bench-gpt2small-transcoder",
      "bench-standard",
      "peer",
      "stream",
      "synthetic-16k",
    ]);
    for (const [name, s] of Object.entries(sections)) {
      expect(s.status, `${name}: ${s.stderrTail ?? ""}`).toBe("ok");
    }
    const adapter = result.adapter as Json;
    expect(adapter.architecture).toBe("swiftshader");
    expect(positive((adapter.deviceLimits as Json).maxStorageBufferBindingSize)).toBe(true);
    expect(stdout).toContain(`adapter: ${String(adapter.adapterName)}`);
  });

  it("times our step at init and once sparse, the encoder product and TopK, per shape", () => {
    const bench = result.bench as Json[];
    expect(bench.map((b) => `${String(b.section)} ${String(b.kind)}`)).toEqual([
      "bench-gpt2small-sae sae",
      "bench-gpt2small-transcoder transcoder",
      "bench-standard sae",
    ]);
    for (const b of bench) {
      const [init, sparse] = [b.init as Json, b.sparse as Json];
      for (const v of [b.encoderMs, b.encoderTflops, b.encoderFractionOfFp32Peak]) {
        expect(positive(v)).toBe(true);
      }
      for (const v of [init.msPerStep, init.stepOverEncoder, sparse.msPerStep, init.l0]) {
        expect(positive(v)).toBe(true);
      }
      // "Once sparse" means it: training cut L0 well below its value at initialization.
      expect(sparse.l0 as number).toBeLessThan((init.l0 as number) / 2);
      expect(init.trainerPath).toBe("dense");
      expect(sparse.trainerPath).toBe("sparse");
      const archs = b.architectures as Json[];
      expect(archs.map((a) => a.architecture)).toEqual(["topk", "topk", "batchtopk"]);
      for (const a of archs) expect(positive(a.msPerStep)).toBe(true);
    }
  });

  it("sets PyTorch's fp32 and TF32 steps beside ours at the same shapes", () => {
    const peer = result.peer as Json;
    for (const precision of ["fp32", "tf32"]) {
      const rows = peer[precision] as Json[];
      expect(rows.map((r) => r.kind)).toEqual(["sae", "transcoder"]);
      for (const r of rows) {
        for (const v of [r.msPerStep, r.encoderMs, r.encoderTflops, r.l0]) {
          expect(positive(v)).toBe(true);
        }
      }
    }
    const comparison = result.comparison as Json[];
    expect(comparison).toHaveLength(2);
    for (const c of comparison) {
      const { oursSparseL0, ...figures } = c;
      expect(oursSparseL0).toBeGreaterThanOrEqual(0);
      expect(Object.keys(figures)).toHaveLength(11);
      for (const [key, v] of Object.entries(figures)) {
        if (key !== "shape") expect(positive(v), key).toBe(true);
      }
    }
    const goals = result.goals as Json;
    expect(goals.meaningful).toBe(false);
    expect(goals.fp32PeakTflops).toBe(result.fp32PeakTflops);
  });

  it("measures the activation stream on a random model", () => {
    const stream = result.stream as Json;
    expect(stream.model).toBe("random-tiny");
    for (const key of [
      "model_forward_tokens_per_s",
      "stream_training_tokens_per_s",
      "host_batch_training_tokens_per_s",
    ]) {
      expect(positive(stream[key])).toBe(true);
    }
  });

  it("trains BatchTopK on a synthetic model and scores it against the planted features", () => {
    const synthetic = result.synthetic as Json;
    expect([synthetic.preset, synthetic.steps, synthetic.width]).toEqual(["tiny", 3, 64]);
    expect(positive(synthetic.samplesPerSecond)).toBe(true);
    const m = (synthetic.dictionaries as Record<string, Json>).batchtopk!;
    for (const key of ["mcc", "uniqueness", "true_l0", "sae_l0"])
      expect(positive(m[key])).toBe(true);
    expect(stdout).toMatch(/synthetic tiny batchtopk: \d+ samples\/s over 192 samples; F1 /);
  });
});
