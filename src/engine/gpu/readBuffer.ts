/**
 * Copies `count` floats from `buffer` at `byteOffset` through a temporary staging buffer and
 * waits for them (tests, evaluation and one-off reads; training steps use reused staging).
 */
export async function readFloats(
  device: GPUDevice,
  buffer: GPUBuffer,
  count: number,
  byteOffset = 0,
): Promise<Float32Array<ArrayBuffer>> {
  const bytes = count * 4;
  const staging = device.createBuffer({
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, Math.ceil(bytes / 4) * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0, bytes));
  staging.unmap();
  staging.destroy();
  return out;
}
