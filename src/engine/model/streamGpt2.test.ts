import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { bytesByteSource, type ByteSource } from "../formats/byteSource.ts";
import { openSafetensors, writeSafetensors } from "../formats/safetensors.ts";
import { countingSource } from "../formats/testFiles.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { loadGpt2Checkpoint } from "./gpt2Checkpoint.ts";
import { transpose } from "./gpt2Weights.ts";
import { GpuGpt2 } from "./gpuGpt2.ts";
import { uploadWeights, type GpuGpt2Weights } from "./gpuWeights.ts";
import { hfTensors } from "./hfCheckpoint.ts";
import { processWeights } from "./processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "./randomGpt2.ts";
import { loadGpt2ToGpu, type LoadToGpuOptions } from "./streamGpt2.ts";

const cfg = tinyConfig();
const weights = randomGpt2Weights(cfg, 5);
const shaders = loadNodeShaders();
/** 37 vocabulary rows: four chunks of 8 and one of 5. */
const wteChunkRows = 8;
const CONV1D = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];

type Dtype = "F32" | "F16" | "BF16";

/** A checkpoint in Hugging Face's orientation or nanoGPT's (nn.Linear matrices [out, in]). */
function checkpoint(dtype: Dtype, nanoGpt: boolean): Uint8Array {
  const tensors = hfTensors(weights, { dtype, prefix: "transformer." }).map((t) =>
    nanoGpt && CONV1D.some((c) => t.name.endsWith(c))
      ? {
          ...t,
          shape: [t.shape[1]!, t.shape[0]!],
          data: transpose(t.data as Float32Array, t.shape[0]!, t.shape[1]!),
        }
      : t,
  );
  return writeSafetensors(tensors);
}

async function stream(src: ByteSource, options: LoadToGpuOptions) {
  const { device } = await testDevice();
  return loadGpt2ToGpu(cfg, await openSafetensors(src), device, { wteChunkRows, ...options });
}

/** What loadGpt2 + uploadWeights put on the GPU. */
async function hostPath(bytes: Uint8Array, processing: boolean) {
  const { device } = await testDevice();
  const raw = await loadGpt2Checkpoint(cfg, await openSafetensors(bytesByteSource(bytes, "m")));
  return uploadWeights(device, processing ? processWeights(raw) : raw);
}

/** Every weight buffer's contents, by name. */
async function contents(w: GpuGpt2Weights): Promise<Map<string, Float32Array>> {
  const { device } = await testDevice();
  const named: [string, GPUBuffer][] = [
    ["wte", w.wte],
    ["wpe", w.wpe],
    ["lnFW", w.lnFW],
    ["lnFB", w.lnFB],
    ["wU", w.wU],
    ["bU", w.bU],
  ];
  w.layers.forEach((l, i) => {
    for (const [k, b] of Object.entries(l)) named.push([`h.${i}.${k}`, b]);
  });
  const out = new Map<string, Float32Array>();
  for (const [name, buffer] of named)
    out.set(name, await readFloats(device, buffer, buffer.size / 4));
  return out;
}

/** The largest difference relative to the tensor's largest magnitude, over all tensors. */
function worstRelative(got: Map<string, Float32Array>, want: Map<string, Float32Array>) {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  let worst = 0;
  for (const [name, w] of want) {
    const g = got.get(name)!;
    expect(g.length, name).toBe(w.length);
    const scale = Math.max(1e-30, ...w.map(Math.abs));
    for (let i = 0; i < w.length; i++) {
      worst = Math.max(worst, Math.abs((g[i] as number) - (w[i] as number)) / scale);
    }
  }
  return worst;
}

async function logits(w: GpuGpt2Weights) {
  const { device } = await testDevice();
  const tokens = [3, 36, 0, 12, 12, 5, 30];
  const model = new GpuGpt2(device, shaders, w, tokens.length);
  const out = model.createLogitsBuffer();
  model.setTokens(tokens);
  const encoder = device.createCommandEncoder();
  model.encodeForward(encoder, { nSeq: 1, seqLen: tokens.length, logits: out });
  device.queue.submit([encoder.finish()]);
  const values = await readFloats(device, out, tokens.length * model.vocabPadded);
  const processed = model.processed;
  out.destroy();
  model.destroy();
  return { values, processed };
}

describe("loading a GPT-2 checkpoint onto the GPU tensor by tensor", () => {
  for (const processing of [false, true]) {
    for (const nanoGpt of [false, true]) {
      for (const dtype of ["F32", "F16", "BF16"] as const) {
        const name = `${dtype}, ${nanoGpt ? "nanoGPT" : "HF"} orientation, processing ${processing}`;
        it(`fills every buffer as the host path does (${name})`, async () => {
          const bytes = checkpoint(dtype, nanoGpt);
          const streamed = await stream(bytesByteSource(bytes, "m"), { processing });
          const host = await hostPath(bytes, processing);
          expect(streamed.processed).toBe(processing);
          expect(streamed.vocabPadded).toBe(host.vocabPadded);
          expect(worstRelative(await contents(streamed), await contents(host))).toBeLessThan(1e-6);
          streamed.destroy();
          host.destroy();
        });
      }
    }
  }

  for (const processing of [false, true]) {
    it(`gives a GpuGpt2 the host path's logits (processing ${processing})`, async () => {
      const bytes = checkpoint("F32", false);
      const got = await logits(await stream(bytesByteSource(bytes, "m"), { processing }));
      const want = await logits(await hostPath(bytes, processing));
      expect(got.processed).toBe(processing);
      let worst = 0;
      want.values.forEach((v, i) => (worst = Math.max(worst, Math.abs(got.values[i]! - v))));
      expect(worst).toBeLessThan(1e-6);
    });
  }

  it("reads a block tensor or a wte chunk at a time, never the file", async () => {
    const bytes = checkpoint("F32", false);
    const src = countingSource(bytesByteSource(bytes, "m"));
    (await stream(src, { processing: true })).destroy();
    const largest = Math.max(...src.reads.map((r) => r.length));
    const largestBlockTensor = cfg.dModel * cfg.dMlp * 4;
    const chunk = wteChunkRows * cfg.dModel * 4;
    expect(largest).toBe(Math.max(largestBlockTensor, chunk));
    expect(largest).toBeLessThan(bytes.byteLength / 4);
  });

  it("reports the bytes read against the bytes it will read", async () => {
    const bytes = checkpoint("F16", false);
    const file = await openSafetensors(bytesByteSource(bytes, "m"));
    const all = [...file.tensors.values()].reduce((s, t) => s + t.end - t.begin, 0);
    const wte = file.info("transformer.wte.weight");
    for (const processing of [false, true]) {
      const calls: [number, number][] = [];
      const src = countingSource(bytesByteSource(bytes, "m"));
      const onProgress = (done: number, total: number) => calls.push([done, total]);
      (await stream(src, { processing, onProgress })).destroy();
      const total = all + (processing ? wte.end - wte.begin : 0);
      // Everything read after the header is a tensor's bytes, and every read is reported.
      expect(src.bytesRead - src.reads[0]!.length - src.reads[1]!.length).toBe(total);
      expect(calls.every(([, t]) => t === total)).toBe(true);
      expect(calls.every(([d], i) => i === 0 || d > calls[i - 1]![0])).toBe(true);
      expect(calls.at(-1)).toEqual([total, total]);
    }
  });

  it("stops between tensors on abort and destroys what it uploaded", async () => {
    const { device } = await testDevice();
    const created: GPUBuffer[] = [];
    const destroyed = new Set<GPUBuffer>();
    const spied = new Proxy(device, {
      get(target, key) {
        if (key !== "createBuffer") return Reflect.get(target, key, target);
        return (descriptor: GPUBufferDescriptor) => {
          const b = target.createBuffer(descriptor);
          const destroy = b.destroy.bind(b);
          b.destroy = () => (destroyed.add(b), destroy());
          created.push(b);
          return b;
        };
      },
    });
    const controller = new AbortController();
    let calls = 0;
    const file = await openSafetensors(bytesByteSource(checkpoint("F32", false), "m"));
    const load = loadGpt2ToGpu(cfg, file, spied, {
      processing: true,
      wteChunkRows,
      signal: controller.signal,
      onProgress: () => ++calls === 12 && controller.abort(),
    });
    await expect(load).rejects.toThrow(expect.objectContaining({ name: "AbortError" }));
    expect(calls).toBe(12);
    expect(created.length).toBeGreaterThan(0);
    expect(created.every((b) => destroyed.has(b))).toBe(true);
  });

  it("refuses a bad file before uploading anything, as loadGpt2 does", async () => {
    const tensors = hfTensors(weights).filter((t) => t.name !== "h.1.mlp.c_fc.bias");
    const src = countingSource(
      bytesByteSource(writeSafetensors(tensors), "tiny/model.safetensors"),
    );
    await expect(stream(src, { processing: true, configName: "tiny/config.json" })).rejects.toThrow(
      'tiny/model.safetensors: missing tensor "h.1.mlp.c_fc.bias" [n_inner] (from tiny/config.json)',
    );
    // Only the header was read.
    expect(src.reads).toHaveLength(2);
  });
});
