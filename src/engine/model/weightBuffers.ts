/**
 * A model's weight buffers on one device, destroyed together. A tensor larger than the device's
 * binding limit (GPT-2 small's 154 MB wte on a default device) is refused with the numbers.
 */
export class WeightBuffers {
  private readonly all: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {}

  /** A zeroed storage buffer of `byteLength` bytes, rounded up to a multiple of 16. */
  create(name: string, byteLength: number): GPUBuffer {
    const bytes = Math.max(16, Math.ceil(byteLength / 16) * 16);
    const limit = Math.min(
      this.device.limits.maxStorageBufferBindingSize,
      this.device.limits.maxBufferSize,
    );
    if (bytes > limit) {
      throw new Error(
        `this GPU cannot hold the model: ${name} needs ${mb(bytes)} in one buffer but the ` +
          `adapter allows ${mb(limit)} (maxStorageBufferBindingSize)`,
      );
    }
    const buffer = this.device.createBuffer({
      label: `gpt2 ${name}`,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    this.all.push(buffer);
    return buffer;
  }

  /** A buffer holding `data`. */
  upload(name: string, data: Float32Array): GPUBuffer {
    const buffer = this.create(name, data.byteLength);
    this.write(buffer, 0, data);
    return buffer;
  }

  /** Writes `count` floats of `data` from `start` into `buffer` at `byteOffset`. */
  write(buffer: GPUBuffer, byteOffset: number, data: Float32Array, start = 0, count = data.length) {
    // Weights live in ordinary ArrayBuffers; the typings only doubt it.
    this.device.queue.writeBuffer(
      buffer,
      byteOffset,
      data as Float32Array<ArrayBuffer>,
      start,
      count,
    );
  }

  /**
   * Waits until the writes so far have reached their buffers, so that the device's staging
   * memory for them can be reused before the next tensor.
   */
  async flush(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
