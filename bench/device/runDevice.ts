/**
 * The device run's driver (started by bench/device/run.sh): runs each section of sections.ts in
 * its own process under a time limit, and rewrites OUT/device-bench.json after each one, so that
 * a run cut short still leaves every figure measured so far. A section that fails or runs out of
 * time is recorded with its error; the others still run.
 *
 *   node runDevice.mjs --out DIR [--dry-run] [--bundle DIR] [--python PATH] [--budget-seconds S]
 */
import { spawn } from "node:child_process";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { deviceSections, dictionaryShapes, FP32_PEAK_NOTE, FP32_PEAK_TFLOPS } from "./sections.ts";
import type { Section } from "./sections.ts";
import { benchEntries, comparisons, goals, type BenchEntry } from "./summary.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    bundle: { type: "string" },
    python: { type: "string", default: "python3" },
    "budget-seconds": { type: "string" },
  },
  strict: true,
});
if (!values.out) throw new Error("--out DIR is required");
const dryRun = values["dry-run"];
const outDir = values.out;
const budgetSeconds = Number(values["budget-seconds"] ?? (dryRun ? 600 : 450));
// This file sits two folders below the repository root, as bench/device/ or as <bundle>/app/.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const jsonPath = join(outDir, "device-bench.json");
const logPath = join(outDir, "device-bench.log");
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const say = (msg: string) => {
  process.stdout.write(`[${elapsed().toFixed(0)} s] ${msg}\n`);
  appendFileSync(logPath, `[${elapsed().toFixed(0)} s] ${msg}\n`);
};

type Json = Record<string, unknown>;
interface SectionRecord {
  command: string;
  status: "ok" | "failed" | "timed out" | "skipped";
  seconds: number;
  error?: string;
  stderrTail?: string;
}

const sections = deviceSections(dryRun);
const records: Record<string, SectionRecord> = {};
const outputs: Record<string, Json> = {};

function command(s: Section): string[] {
  if (s.runtime === "python") return [values.python, join(root, "bench", "device", s.script)];
  const entry = values.bundle
    ? join(values.bundle, "app", `${s.script}.mjs`)
    : join(root, "bench", s.script === "adapter" ? "device/adapter.ts" : `${s.script}.ts`);
  return [process.execPath, ...(values.bundle ? [] : ["--import", "tsx"]), entry];
}

/** The JSON object a section prints last on stdout (anything before it is ignored). */
function parseOutput(stdout: string): Json {
  const start = stdout.search(/^\{/m);
  if (start < 0) throw new Error("printed no JSON object on stdout");
  return JSON.parse(stdout.slice(start)) as Json;
}

async function runSection(s: Section): Promise<void> {
  const limit = Math.min(s.limitSeconds, budgetSeconds - elapsed());
  const [cmd, ...pre] = command(s);
  const args = [...pre, ...s.args];
  const shown = [cmd, ...args].join(" ");
  if (limit < 5) {
    records[s.name] = { command: shown, status: "skipped", seconds: 0, error: "out of time" };
    return write();
  }
  say(`${s.name}: starting (limit ${limit.toFixed(0)} s): ${shown}`);
  const t0 = performance.now();
  const child = spawn(cmd!, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    appendFileSync(logPath, d);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, limit * 1000);
  const code = await new Promise<number | null>((done) => {
    child.on("error", (err) => {
      stderr += `\n${err.message}`;
      done(-1);
    });
    child.on("close", done);
  });
  clearTimeout(timer);
  const record: SectionRecord = {
    command: shown,
    status: "ok",
    seconds: (performance.now() - t0) / 1000,
  };
  try {
    if (timedOut) throw new Error(`timed out after ${limit.toFixed(0)} s`);
    if (code !== 0) throw new Error(`exited with ${code}`);
    outputs[s.name] = parseOutput(stdout);
  } catch (err) {
    record.status = timedOut ? "timed out" : "failed";
    record.error = (err as Error).message;
    record.stderrTail = stderr.slice(-3000);
  }
  records[s.name] = record;
  say(
    `${s.name}: ${record.status}${record.error ? ` (${record.error})` : ""}, ${record.seconds.toFixed(0)} s`,
  );
  write();
}

function write(): void {
  const bench: BenchEntry[] = [];
  const errors: string[] = [];
  for (const [name, output] of Object.entries(outputs)) {
    if (!name.startsWith("bench-")) continue;
    try {
      bench.push(...benchEntries(name, output));
    } catch (err) {
      errors.push(`${name}: unexpected output (${(err as Error).message})`);
    }
  }
  const compared = comparisons(dictionaryShapes(dryRun), bench, outputs.peer);
  const result = {
    schema: "transcoder-playground/device-bench@1",
    dryRun,
    seconds: elapsed(),
    environment: {
      node: process.version,
      cpus: cpus().length,
      bundle: values.bundle ?? null,
      LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? null,
      VK_DRIVER_FILES: process.env.VK_DRIVER_FILES ?? null,
      VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? null,
    },
    fp32PeakTflops: FP32_PEAK_TFLOPS,
    fp32PeakNote: FP32_PEAK_NOTE,
    adapter: outputs.adapter ?? null,
    sections: records,
    bench,
    peer: outputs.peer ?? null,
    comparison: compared,
    goals: goals(dryRun, bench, compared),
    stream: outputs.stream ?? null,
    synthetic: outputs["synthetic-16k"] ?? null,
    summaryErrors: errors,
    raw: Object.fromEntries(Object.entries(outputs).filter(([n]) => n.startsWith("bench-"))),
  };
  writeFileSync(`${jsonPath}.tmp`, JSON.stringify(result, null, 2) + "\n");
  renameSync(`${jsonPath}.tmp`, jsonPath);
}

/** The adapter Dawn found, on one line: what it is, the limits the kernels depend on, its GEMMs. */
function sayAdapter(a: Json): void {
  const limits = a.deviceLimits as Record<string, number>;
  const gemm = (a.gemm as { choice?: unknown; source?: string } | undefined) ?? {};
  say(
    `adapter: ${String(a.adapterName)}${a.isFallbackAdapter ? " (fallback)" : ""}; ` +
      `storage binding ${limits.maxStorageBufferBindingSize} B, workgroup storage ` +
      `${limits.maxComputeWorkgroupStorageSize} B, ${limits.maxComputeInvocationsPerWorkgroup} ` +
      `invocations, subgroups ${String(a.subgroupMinSize)}-${String(a.subgroupMaxSize)}; ` +
      `GEMM ${JSON.stringify(gemm.choice)} (${String(gemm.source)})`,
  );
}

/** The synthetic run's speed and its ground-truth metrics, beside SynthSAEBench's BatchTopK. */
function saySynthetic(o: Json): void {
  type Metrics = Record<"mcc" | "uniqueness" | "explained_variance" | "sae_l0", number>;
  const dicts = o.dictionaries as Record<
    string,
    Metrics & { classification: { f1_score: number } }
  >;
  for (const [id, m] of Object.entries(dicts)) {
    const c = m.classification;
    say(
      `synthetic ${String(o.preset)} ${id}: ${Number(o.samplesPerSecond).toFixed(0)} samples/s over ` +
        `${String(o.samples)} samples; F1 ${c.f1_score.toFixed(3)} MCC ${m.mcc.toFixed(3)} ` +
        `uniqueness ${m.uniqueness.toFixed(3)} var. expl. ${m.explained_variance.toFixed(3)} ` +
        `L0 ${m.sae_l0.toFixed(1)} (published BatchTopK after 200M samples: F1 0.732 MCC 0.757 ` +
        "uniqueness 0.984 var. expl. 0.792)",
    );
  }
}

say(
  `device run${dryRun ? " (dry run)" : ""}: ${sections.length} sections, budget ${budgetSeconds} s`,
);
write();
// In a dry run PyTorch runs on the CPU, apart from the WebGPU sections: it may overlap them. On a
// GPU everything runs in turn, so that no section's figures share the device with another's.
const overlapped = dryRun ? sections.filter((s) => s.runtime === "python") : [];
const background = overlapped.map(runSection);
for (const s of sections) {
  if (overlapped.includes(s)) continue;
  await runSection(s);
  if (s.name === "adapter" && outputs.adapter) sayAdapter(outputs.adapter);
  if (s.name === "synthetic-16k" && outputs[s.name]) saySynthetic(outputs[s.name]!);
}
await Promise.all(background);
const failed = Object.entries(records).filter(([, r]) => r.status !== "ok");
say(`done in ${elapsed().toFixed(0)} s; ${failed.length} of ${sections.length} sections not ok`);
say(`wrote ${jsonPath}`);
process.exit(0);
