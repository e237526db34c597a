/**
 * Streaming a checkpoint with GPT-2 small's widths (two blocks, F16 on disk, ~107 MB) onto the
 * GPU: the host never holds more than a tensor or a wte chunk, so the JS heap and array buffers
 * grow by a small fraction of the model's f32 size (~214 MB) during the load.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSafetensors } from "../src/engine/formats/safetensors.ts";
import { countingSource } from "../src/engine/formats/testFiles.ts";
import { hfCheckpointBytes } from "../src/engine/model/hfCheckpoint.ts";
import { randomGpt2Weights } from "../src/engine/model/randomGpt2.ts";
import { loadGpt2ToGpu } from "../src/engine/model/streamGpt2.ts";
import { openFileByteSource } from "../src/node/fileByteSource.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { testDevice } from "../src/node/testDevice.ts";

const config = {
  vocabSize: 50257,
  nCtx: 1024,
  dModel: 768,
  nLayer: 2,
  nHead: 12,
  dHead: 64,
  dMlp: 3072,
  lnEps: 1e-5,
  activation: "gelu_new" as const,
};
const { vocabSize: V, dModel: d, dMlp, nCtx, nLayer } = config;
const f32Bytes =
  4 * (V * d + nCtx * d + nLayer * (4 * d * d + 2 * d * dMlp + 9 * d + dMlp) + 2 * d);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** heapUsed + arrayBuffers (typed arrays live outside the JS heap proper). */
function hostBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("streaming a GPT-2 small-width checkpoint onto the GPU", () => {
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gpt2-stream-"));
    path = join(dir, "model.safetensors");
    const weights = randomGpt2Weights(config, 1);
    await writeFile(path, hfCheckpointBytes(weights, { dtype: "F16", prefix: "transformer." }));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  /**
   * Loads the checkpoint and returns the largest growth of the host's memory over the load.
   * `collect`: collect garbage before each sample, after each read and at the write that follows
   * it, when the processed tensor or chunk is alive (the live peak); otherwise sample after every
   * read and at every write, garbage included (what V8 actually held).
   */
  async function measuredLoad(collect: boolean) {
    const { device } = await testDevice();
    const src = await openFileByteSource(path);
    const counted = countingSource(src);
    const file = await openSafetensors(counted);
    // V8 frees array buffers a little after the garbage collection that finds them dead.
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const base = hostBytes();
    let peak = 0;
    let afterRead = false;
    const sample = () => {
      // The second collection finishes freeing what the first found dead.
      if (collect) {
        gc();
        gc();
      }
      peak = Math.max(peak, hostBytes() - base);
    };
    const queue = device.queue;
    const writeBuffer = queue.writeBuffer;
    queue.writeBuffer = (...args: Parameters<GPUQueue["writeBuffer"]>) => {
      if (afterRead || !collect) sample();
      afterRead = false;
      return writeBuffer.apply(queue, args);
    };
    const onProgress = () => {
      sample();
      afterRead = true;
    };
    try {
      const weights = await loadGpt2ToGpu(config, file, device, { processing: true, onProgress });
      weights.destroy();
    } finally {
      queue.writeBuffer = writeBuffer;
      await src.close();
    }
    return { peak, largestRead: Math.max(...counted.reads.map((r) => r.length)) };
  }

  it("keeps the host's memory far below the checkpoint's size", async () => {
    const live = await measuredLoad(true);
    const held = await measuredLoad(false);
    const share = (bytes: number) => `${((100 * bytes) / f32Bytes).toFixed(1)}%`;
    console.log(
      `checkpoint: ${f32Bytes} bytes in f32; peak growth of heapUsed + arrayBuffers while ` +
        `streaming it: live ${live.peak} bytes (${share(live.peak)}), garbage included ` +
        `${held.peak} bytes (${share(held.peak)})`,
    );
    expect(live.peak).toBeLessThan(0.25 * f32Bytes);
    // V8 collects array buffers only once tens of MB of them have piled up, whatever the model.
    expect(held.peak).toBeLessThan(0.5 * f32Bytes);
    // c_fc's weight, in F16; a wte chunk is 2048 rows.
    expect(live.largestRead).toBe(d * dMlp * 2);
  }, 60_000);

  it("is refused with the tensor and the limits on a device with default limits", async () => {
    const { device } = await acquireNodeDevice({ raiseLimits: false });
    const src = await openFileByteSource(path);
    const load = loadGpt2ToGpu(config, await openSafetensors(src), device, { processing: true });
    await expect(load).rejects.toThrow(
      "this GPU cannot hold the model: wte needs 147.2 MiB in one buffer but the adapter allows " +
        "128.0 MiB (maxStorageBufferBindingSize)",
    );
    await src.close();
    device.destroy();
  });
});
