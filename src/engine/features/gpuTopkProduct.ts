import { bindBuffers, createBuffer, createKernel, grid1d } from "../gpu/kernel.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import type { ShaderLibrary } from "../gpu/shaderLibrary.ts";

/** features_topk_product.wgsl's list length. */
export const PRODUCT_TOP = 10;

export interface IndexValue {
  index: number;
  value: number;
}

export interface RowExtremes {
  top: IndexValue[];
  bottom: IndexValue[];
}

/** Multiply-adds per submit, so that no single submit runs long enough to stall a browser. */
const MACS_PER_SUBMIT = 2 ** 27;

/**
 * For every row of A [rows, D], the PRODUCT_TOP largest and smallest entries of A[i] @ B
 * (B [D, N]) on the GPU, streamed per row: the [rows, N] product is never held. With
 * `skipSelf`, column i of row i is left out (neighbours within one dictionary).
 */
export async function topkProduct(
  device: GPUDevice,
  shaders: ShaderLibrary,
  a: Float32Array,
  b: Float32Array,
  shape: { rows: number; d: number; n: number },
  options: { skipSelf?: boolean; signal?: AbortSignal } = {},
): Promise<RowExtremes[]> {
  const { rows, d, n } = shape;
  const n4 = Math.ceil(n / 4) * 4;
  const padded = new Float32Array(d * n4);
  for (let k = 0; k < d; k++) padded.set(b.subarray(k * n, (k + 1) * n), k * n4);
  const pipeline = createKernel(device, shaders, "features_topk_product", {
    constants: { D: d, N: n, SKIP_SELF: options.skipSelf ? 1 : 0 },
  });
  const upload = (label: string, data: Float32Array) => {
    const buf = createBuffer(device, label, data.byteLength);
    device.queue.writeBuffer(buf, 0, data as Float32Array<ArrayBuffer>);
    return buf;
  };
  const uniform = createBuffer(
    device,
    "topk run",
    16,
    GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  );
  const aBuf = upload("topk A", a);
  const bBuf = upload("topk B", padded);
  const out = createBuffer(device, "topk out", rows * PRODUCT_TOP * 16);
  try {
    const bind = bindBuffers(device, pipeline, [uniform, aBuf, bBuf, out]);
    const step = Math.max(1, Math.floor(MACS_PER_SUBMIT / (n4 * d)));
    for (let base = 0; base < rows; base += step) {
      const count = Math.min(step, rows - base);
      device.queue.writeBuffer(uniform, 0, new Uint32Array([base, count, 0, 0]));
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(...grid1d(count, 1));
      pass.end();
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      options.signal?.throwIfAborted();
    }
    const values = await readFloats(device, out, rows * PRODUCT_TOP * 4);
    const words = new Uint32Array(values.buffer);
    const list = (o: number) => {
      const items: IndexValue[] = [];
      for (let k = 0; k < PRODUCT_TOP; k++) {
        const index = words[o + k * 2 + 1]!;
        if (index !== 0xffffffff) items.push({ index, value: values[o + k * 2]! });
      }
      return items;
    };
    return Array.from({ length: rows }, (_, i) => ({
      top: list(i * PRODUCT_TOP * 4),
      bottom: list(i * PRODUCT_TOP * 4 + PRODUCT_TOP * 2),
    }));
  } finally {
    for (const buf of [uniform, aBuf, bBuf, out]) buf.destroy();
  }
}
