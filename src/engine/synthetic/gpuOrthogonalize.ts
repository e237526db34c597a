/**
 * orthogonalizeRows (orthogonalize.ts) on the GPU in float32: per Adam step C = WᵀW and CW = W·C
 * by shaders/linear.wgsl (C is symmetric, so W·C = W·Cᵀ), then the row squares and the
 * elementwise gradient + Adam update by shaders/synthetic_orthogonalize.wgsl, which also writes
 * Wᵀ for the next step's C. Several steps per command buffer, one readback at the end. The unit
 * normalisation before and after runs on the host in float64, as in the reference.
 */
import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";
import { ACT_NONE, LinearKernels } from "../model/linearKernels.ts";
import { normalizeRows } from "./orthogonalize.ts";
import type { OrthogonalizationConfig } from "./syntheticConfig.ts";

const WORKGROUP = 256;
/** Multiply-adds per submit, so that no submit runs long on a slow adapter. */
const MACS_PER_SUBMIT = 2 ** 31;
const [BETA1, BETA2] = [0.9, 0.999];

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

/** Multiply-adds of one step (C = WᵀW and W·C): the cost that decides CPU or GPU. */
export function orthogonalizeStepMacs(n: number, d: number): number {
  return 2 * n * d * d;
}

/** Orthogonalises the rows of `w` [n, d] in place on `device` (they need not start unit). */
export async function gpuOrthogonalizeRows(
  device: GPUDevice,
  shaders: ShaderLibrary,
  w: Float64Array,
  n: number,
  d: number,
  cfg: OrthogonalizationConfig,
  options: {
    /** Adam steps per command buffer (default: about 2^31 multiply-adds). */
    stepsPerSubmit?: number;
  } = {},
): Promise<void> {
  if (w.length !== n * d) {
    throw new Error(`gpuOrthogonalizeRows: W holds ${w.length} values, expected ${n} x ${d}`);
  }
  normalizeRows(w, n, d);
  if (n === 0 || d === 0 || cfg.num_steps === 0) return;
  const d4 = roundUp4(d);
  const rowsPadded = roundUp4(n);
  const rows = new Float32Array(rowsPadded * d4);
  const transposed = new Float32Array(d4 * rowsPadded);
  if (rows.byteLength > device.limits.maxStorageBufferBindingSize) {
    throw new Error(
      `gpuOrthogonalizeRows: W [${n}, ${d}] takes ${rows.byteLength} bytes, over this device's ` +
        `maxStorageBufferBindingSize (${device.limits.maxStorageBufferBindingSize})`,
    );
  }
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < d; k++) {
      rows[r * d4 + k] = w[r * d + k]!;
      transposed[k * rowsPadded + r] = w[r * d + k]!;
    }
  }
  const adamGroups = grid1d(n * d, WORKGROUP);
  const shape = new ArrayBuffer(32);
  new Uint32Array(shape, 0, 4).set([n, d, d4, rowsPadded]);
  new Float32Array(shape, 16, 1)[0] = cfg.lr;
  new Uint32Array(shape, 20, 1)[0] = adamGroups[0];
  const schedule = new Float32Array(4 * cfg.num_steps);
  for (let t = 1; t <= cfg.num_steps; t++) {
    schedule[4 * (t - 1)] = 1 - BETA1 ** t;
    schedule[4 * (t - 1) + 1] = 1 - BETA2 ** t;
  }

  const linear = new LinearKernels(device, shaders);
  const gramPipeline = linear.pipeline(rowsPadded, d4, ACT_NONE);
  const productPipeline = linear.pipeline(d4, d4, ACT_NONE);
  const kernel = (entryPoint: string) =>
    createKernel(device, shaders, "synthetic_orthogonalize", { entryPoint });
  const squaresPipeline = kernel("row_squares");
  const adamPipeline = kernel("adam_step");

  const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const gramRun = createBuffer(device, "orthogonalize gram run", 16, uniform);
  const productRun = createBuffer(device, "orthogonalize product run", 16, uniform);
  const shapeBuffer = createBuffer(device, "orthogonalize shape", 32, uniform);
  const stepBuffer = createBuffer(device, "orthogonalize step", 16, uniform);
  const scheduleBuffer = createBuffer(device, "orthogonalize schedule", schedule.byteLength);
  const wBuffer = createBuffer(device, "orthogonalize W", rows.byteLength);
  const wtBuffer = createBuffer(device, "orthogonalize W^T", transposed.byteLength);
  const gram = createBuffer(device, "orthogonalize C", d4 * d4 * 4);
  const product = createBuffer(device, "orthogonalize W C", rows.byteLength);
  const zeroBias = createBuffer(device, "orthogonalize zero bias", d4 * 4);
  const squares = createBuffer(device, "orthogonalize row squares", rowsPadded * 4);
  const m = createBuffer(device, "orthogonalize Adam m", rows.byteLength);
  const v = createBuffer(device, "orthogonalize Adam v", rows.byteLength);
  const buffers = [gramRun, productRun, shapeBuffer, stepBuffer, scheduleBuffer, wBuffer];
  buffers.push(wtBuffer, gram, product, zeroBias, squares, m, v);
  try {
    device.queue.writeBuffer(gramRun, 0, new Uint32Array([d4, 0, 0, 0]));
    device.queue.writeBuffer(productRun, 0, new Uint32Array([rowsPadded, 0, 0, 0]));
    device.queue.writeBuffer(shapeBuffer, 0, shape);
    device.queue.writeBuffer(scheduleBuffer, 0, schedule);
    device.queue.writeBuffer(wBuffer, 0, rows);
    device.queue.writeBuffer(wtBuffer, 0, transposed);
    const gramBind = bindBuffers(device, gramPipeline, [
      gramRun,
      wtBuffer,
      wBuffer,
      zeroBias,
      gram,
    ]);
    const productBind = bindBuffers(device, productPipeline, [
      productRun,
      wBuffer,
      gram,
      zeroBias,
      product,
    ]);
    const updateBuffers = [shapeBuffer, stepBuffer, product, wBuffer, wtBuffer, squares, m, v];
    const squaresBind = bindBuffers(device, squaresPipeline, updateBuffers);
    const adamBind = bindBuffers(device, adamPipeline, updateBuffers);
    const stepsPerSubmit =
      options.stepsPerSubmit ??
      Math.max(1, Math.floor(MACS_PER_SUBMIT / orthogonalizeStepMacs(rowsPadded, d4)));
    for (let first = 0; first < cfg.num_steps; first += stepsPerSubmit) {
      const encoder = device.createCommandEncoder({ label: "orthogonalize steps" });
      for (let t = first; t < Math.min(first + stepsPerSubmit, cfg.num_steps); t++) {
        encoder.copyBufferToBuffer(scheduleBuffer, 16 * t, stepBuffer, 0, 16);
        const pass = encoder.beginComputePass();
        pass.setPipeline(gramPipeline);
        pass.setBindGroup(0, gramBind);
        pass.dispatchWorkgroups(...linear.grid(d4, d4));
        pass.setPipeline(productPipeline);
        pass.setBindGroup(0, productBind);
        pass.dispatchWorkgroups(...linear.grid(d4, rowsPadded));
        pass.setPipeline(squaresPipeline);
        pass.setBindGroup(0, squaresBind);
        pass.dispatchWorkgroups(Math.ceil(n / WORKGROUP));
        pass.setPipeline(adamPipeline);
        pass.setBindGroup(0, adamBind);
        pass.dispatchWorkgroups(...adamGroups);
        pass.end();
      }
      device.queue.submit([encoder.finish()]);
    }
    const got = await readFloats(device, wBuffer, rows.length);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < d; k++) w[r * d + k] = got[r * d4 + k]!;
    }
  } finally {
    for (const buffer of buffers) buffer.destroy();
  }
  normalizeRows(w, n, d);
}
