import { createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";

/** dict_batch_topk.wgsl's state: 8 scalars, then a 256-bin histogram. */
const STATE_WORDS = 8 + 256;
/** The state's "smallest kept" before any is kept (it only feeds τ, unused here). */
const NONE = 0xffffffff;
/** dict_batch_topk.wgsl's SELECT_WG (its default) and keys per invocation of `histogram`. */
const SELECT_WG = 256;
const KEYS_PER_THREAD = 64;

/** A dispatch's workgroup grid for `rows` rows. */
export type RowsGrid = (rows: number) => [number, number];

const single: RowsGrid = () => [1, 1];

/**
 * dict_batch_topk.wgsl's batch-level radix select over rows of `n` latents, as the dispatches
 * `entry` makes of its entry points: four rounds of histogram and pick, one per byte of the
 * 32-bit keys, then the ties counted per row, their scan, and the compaction that lists each
 * row's kept latents. `selectWorkgroup`: the kernel's SELECT_WG.
 */
export function batchTopkSelect<T>(
  n: number,
  selectWorkgroup: number,
  entry: (entryPoint: string, grid: RowsGrid) => T,
): T[] {
  const histogram = entry("histogram", (rows) =>
    grid1d(rows * n, selectWorkgroup * KEYS_PER_THREAD),
  );
  const pick = entry("pick", single);
  const perRow: RowsGrid = (rows) => grid1d(rows, 1);
  return [
    histogram,
    pick,
    histogram,
    pick,
    histogram,
    pick,
    histogram,
    pick,
    entry("rowTiesCount", perRow),
    entry("tieScan", single),
    entry("compact", perRow),
  ];
}

export interface BatchTopkStep {
  pipeline: GPUComputePipeline;
  resources: GPUBuffer[];
  grid: RowsGrid;
}

/**
 * SAELens's BatchTopK on a dictionary's pre-activations at inference, with the training
 * step's radix select (dict_batch_topk.wgsl, without its τ update): ReLU, then the int(k·rows)
 * largest values over every row passed (ties: lower row-major index), the rest cleared
 * (dict_apply_batch_mask). The pre-activations must already be the values selected on (the
 * decoder norms folded in, as exportTrained leaves them).
 */
export class GpuBatchTopk {
  readonly steps: BatchTopkStep[];
  private readonly state: GPUBuffer;
  private readonly buffers: GPUBuffer[] = [];

  /** `run`: a uniform whose first u32 is the row count; `latents` [maxRows, stride] f32. */
  constructor(
    private readonly device: GPUDevice,
    shaders: ShaderLibrary,
    readonly shape: { n: number; stride: number; k: number; maxRows: number },
    run: GPUBuffer,
    latents: GPUBuffer,
  ) {
    const { n, stride, k, maxRows } = shape;
    if (!(k > 0 && Number.isFinite(k))) throw new Error(`BatchTopK: k = ${k} must be above 0`);
    const buffer = (label: string, bytes: number) => {
      const b = createBuffer(device, `batch topk ${label}`, bytes);
      this.buffers.push(b);
      return b;
    };
    this.state = buffer("state", STATE_WORDS * 4);
    const mark = buffer("mark", maxRows * stride * 4);
    const resources = [
      run,
      latents,
      buffer("unused norms", 16),
      this.state,
      buffer("row ties", maxRows * 4),
      buffer("list", maxRows * stride * 4),
      buffer("count", maxRows * 4),
      mark,
      buffer("unused params", 16),
    ];
    const constants = { N: n, STRIDE: stride, RESCALE: 0, K_BATCH: 0, TAU_LR: 0, TAU_OFFSET: 0 };
    const entry = (entryPoint: string, grid: RowsGrid) => ({
      pipeline: createKernel(device, shaders, "dict_batch_topk", {
        prelude: "topk_select",
        entryPoint,
        constants,
      }),
      resources,
      grid,
    });
    this.steps = [
      ...batchTopkSelect(n, SELECT_WG, entry),
      {
        pipeline: createKernel(device, shaders, "dict_apply_batch_mask", {
          prelude: "gpt2_common",
          constants: { FP: stride },
        }),
        resources: [run, mark, latents],
        grid: (rows) => grid1d(rows * stride, 64),
      },
    ];
  }

  /** Queues the selection's starting state for `rows` rows (before the steps' submit). */
  writeState(rows: number): void {
    const state = new Uint32Array(STATE_WORDS);
    const keep = Math.trunc(this.shape.k * rows);
    // (prefix, mask, still to keep, done, level, smallest kept); keeping none: done at once,
    // with a prefix that no key exceeds.
    state.set(keep > 0 ? [0, 0, keep, 0, 0, NONE] : [NONE, NONE, 0, 1, 0, NONE]);
    this.device.queue.writeBuffer(this.state, 0, state);
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }
}
