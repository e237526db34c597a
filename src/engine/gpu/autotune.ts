/**
 * Picks the dense products' kernels once per adapter: software adapters (SwiftShader) keep
 * today's without timing anything; others time each candidate on a representative shape (a
 * few dispatches each, under a total budget), check it against today's kernel, and cache the
 * fastest per adapter.
 */
import { bindBuffers, createBuffer, createKernel } from "./kernel.ts";
import type { ShaderLibrary } from "./shaderLibrary.ts";
import { readFloats } from "./readBuffer.ts";
import {
  DEFAULT_GEMM,
  gemmVariants,
  isGemmChoice,
  type GemmChoice,
  type GemmProduct,
  type GemmVariant,
} from "./gemmVariants.ts";

/** Where a choice is kept between sessions: IndexedDB in the page, a JSON file in Node. */
export interface GemmTuneCache {
  get(key: string): Promise<GemmChoice | undefined>;
  set(key: string, choice: GemmChoice): Promise<void>;
}

/** What the adapter is, as far as it tells (enough to tell two GPUs apart). */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  subgroups: boolean;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/** Bumped whenever the variants change, so that older cached choices are tuned again. */
const TUNE_VERSION = 1;

export function adapterFacts(adapter: GPUAdapter): AdapterFacts {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    device: info?.device ?? "",
    description: info?.description ?? "",
    isFallbackAdapter: info?.isFallbackAdapter === true,
    subgroups: adapter.features.has("subgroups"),
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
  };
}

export function adapterKey(f: AdapterFacts): string {
  return [
    `v${TUNE_VERSION}`,
    f.vendor,
    f.architecture,
    f.device,
    f.description,
    f.subgroups ? "subgroups" : "no-subgroups",
    `wgmem=${f.maxComputeWorkgroupStorageSize}`,
    `inv=${f.maxComputeInvocationsPerWorkgroup}`,
  ].join("|");
}

/** A CPU rasteriser (SwiftShader, llvmpipe): today's kernels are tuned for it. */
export function isSoftwareAdapter(f: AdapterFacts): boolean {
  if (f.isFallbackAdapter) return true;
  const text = [f.vendor, f.architecture, f.device, f.description].join(" ").toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software|warp/.test(text);
}

/** The product timed: out[B, F] = A[B, D] @ W[D, F] + bias, and out[D, F] = A[B, D]ᵀ G[B, F]. */
export interface TuneShape {
  B: number;
  D: number;
  F: number;
}

export interface TuneOptions {
  cache?: GemmTuneCache;
  /** Time the candidates even on a software adapter (tests). */
  force?: boolean;
  /** Time for the timings (default 1500 ms, half per product; the choice is made from those done by then). */
  budgetMs?: number;
  shape?: TuneShape;
  /** Timed dispatches per candidate (default 10). */
  iterations?: number;
  /** Only these variants (today's kernel is always timed: it is the reference). */
  only?: string[];
}

export interface TuneResult {
  choice: GemmChoice;
  /** default: no choice was asked for; software: a CPU rasteriser keeps today's kernels. */
  source: "default" | "software" | "cache" | "tuned";
  /** Per product and variant: ms per dispatch, or why it was left out. */
  timings?: Record<GemmProduct, Record<string, number | string>>;
  ms?: number;
}

/** A GPT-2-small-like encoder product, small enough to time a few times in the budget. */
export const DEFAULT_SHAPE: TuneShape = { B: 2048, D: 768, F: 4096 };

export async function chooseGemm(
  device: GPUDevice,
  facts: AdapterFacts,
  shaders: ShaderLibrary,
  options: TuneOptions = {},
): Promise<TuneResult> {
  if (isSoftwareAdapter(facts) && !options.force) {
    return { choice: DEFAULT_GEMM, source: "software" };
  }
  const key = adapterKey(facts);
  // A cache that cannot be read or written (private browsing, a read-only home) only costs a tune.
  const cached = options.force ? undefined : await options.cache?.get(key).catch(() => undefined);
  if (cached && isGemmChoice(cached)) return { choice: cached, source: "cache" };
  const started = performance.now();
  const budget = options.budgetMs ?? 1500;
  const shape = options.shape ?? DEFAULT_SHAPE;
  const iterations = options.iterations ?? 10;
  const tune = (product: GemmProduct, deadline: number) => {
    const candidates = gemmVariants(product, facts.subgroups).filter(
      (v) => v.name === DEFAULT_GEMM[product] || !options.only || options.only.includes(v.name),
    );
    return tuneProduct(device, shaders, product, candidates, shape, deadline, iterations);
  };
  // Half the budget each; a candidate started before its deadline runs to the end.
  const rows = await tune("rows", started + budget / 2);
  const at = await tune("at", started + budget);
  const choice: GemmChoice = { rows: rows.best, at: at.best };
  await options.cache?.set(key, choice).catch(() => undefined);
  return {
    choice,
    source: "tuned",
    timings: { rows: rows.timings, at: at.timings },
    ms: performance.now() - started,
  };
}

async function tuneProduct(
  device: GPUDevice,
  shaders: ShaderLibrary,
  product: GemmProduct,
  candidates: GemmVariant[],
  shape: TuneShape,
  deadline: number,
  iterations: number,
): Promise<{ best: string; timings: Record<string, number | string> }> {
  const bench = productBench(device, product, shape);
  const timings: Record<string, number | string> = {};
  let best = DEFAULT_GEMM[product];
  let bestMs = Infinity;
  let reference: Float32Array | undefined;
  try {
    for (const v of candidates) {
      // Today's kernel always runs: it is the reference the others are checked against.
      if (reference && performance.now() > deadline) {
        timings[v.name] = "out of time";
        continue;
      }
      device.pushErrorScope("validation");
      const pipeline = createKernel(device, shaders, v.shader, {
        prelude: "dictionary_common",
        constants: { ...bench.constants, ...v.constants },
        label: `autotune ${product} ${v.name}`,
      });
      const run = (n: number) => {
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindBuffers(device, pipeline, bench.resources));
        const [x, y] = v.grid(bench.cols4, bench.rows);
        for (let i = 0; i < n; i++) pass.dispatchWorkgroups(x, y);
        pass.end();
        device.queue.submit([encoder.finish()]);
      };
      run(1);
      const failed = await device.popErrorScope();
      if (failed) {
        timings[v.name] = `failed: ${failed.message.split("\n")[0]}`;
        continue;
      }
      const out = await readFloats(device, bench.out, bench.outFloats);
      reference ??= out;
      if (!closeTo(out, reference)) {
        timings[v.name] = "wrong result";
        continue;
      }
      const t0 = performance.now();
      run(iterations);
      await device.queue.onSubmittedWorkDone();
      const ms = (performance.now() - t0) / iterations;
      timings[v.name] = ms;
      if (ms < bestMs) {
        bestMs = ms;
        best = v.name;
      }
    }
  } finally {
    for (const b of bench.owned) b.destroy();
  }
  return { best, timings };
}

function closeTo(a: Float32Array, b: Float32Array): boolean {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
  }
  return Number.isFinite(err) && err <= 1e-4 * Math.max(scale, 1e-30);
}

export interface ProductBench {
  constants: Record<string, number>;
  resources: GPUBuffer[];
  out: GPUBuffer;
  outFloats: number;
  cols4: number;
  rows: number;
  owned: GPUBuffer[];
}

/** Buffers with random inputs for one product at `shape` (D and F rounded up to 4). */
export function productBench(
  device: GPUDevice,
  product: GemmProduct,
  shape: TuneShape,
): ProductBench {
  const B = shape.B;
  const D = Math.ceil(shape.D / 4) * 4;
  const F = Math.ceil(shape.F / 4) * 4;
  const owned: GPUBuffer[] = [];
  const filled = (label: string, floats: number, random: boolean) => {
    const buffer = createBuffer(device, label, floats * 4);
    owned.push(buffer);
    if (random) {
      const data = new Float32Array(floats);
      for (let i = 0; i < floats; i++) data[i] = Math.sin(i * 12.9898 + floats) * 0.5;
      device.queue.writeBuffer(buffer, 0, data);
    }
    return buffer;
  };
  const uniform = (label: string, words: Uint32Array<ArrayBuffer>) => {
    const buffer = createBuffer(
      device,
      label,
      64,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    owned.push(buffer);
    device.queue.writeBuffer(buffer, 0, words);
    return buffer;
  };
  const dims = uniform(
    "autotune dims",
    new Uint32Array([B, D, F, F, F, 0, 0, 0, 0, 0, 0, D, F, 0, 0, 0]),
  );
  const stepParams = uniform("autotune stepParams", new Uint32Array(16));
  const a = filled("autotune A", B * D, true);
  if (product === "rows") {
    const params = filled("autotune W", D * F + F, true);
    const y = filled("autotune y", 4, false);
    const out = filled("autotune out", B * F, false);
    return {
      constants: {
        K4: D / 4,
        N4: F / 4,
        OFF_W4: 0,
        OFF_BIAS4: (D * F) / 4,
        RELU_A: 0,
        SUB_Y: 0,
        Y_WIDTH: 1,
      },
      resources: [dims, stepParams, a, params, y, out],
      out,
      outFloats: B * F,
      cols4: F / 4,
      rows: B,
      owned,
    };
  }
  const g = filled("autotune G", B * F, true);
  const unused = filled("autotune unused", 4, false);
  const grads = filled("autotune grads", D * F + F, false);
  return {
    constants: { A4: D / 4, G4: F / 4, OFF_OUT4: 0, DECODER: 0, OFF_BIAS4: (D * F) / 4 },
    resources: [dims, stepParams, a, g, unused, unused, grads],
    out: grads,
    outFloats: D * F + F,
    cols4: F / 4,
    rows: D,
    owned,
  };
}
