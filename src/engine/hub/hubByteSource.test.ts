import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockHub, type MockHub } from "../../../test/mockHub.ts";
import { openSafetensors, writeSafetensors } from "../formats/safetensors.ts";
import { memoryByteCache, type ByteCache } from "./byteCache.ts";
import { hubByteSource, type HubSourceOptions } from "./hubByteSource.ts";
import { HubError } from "./hubError.ts";
import { hubFile } from "./hubLocation.ts";
import { WHOLE_FILE_LIMIT } from "./probe.ts";

const floats = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
const TENSORS = [
  { name: "W_enc", dtype: "F32" as const, shape: [64, 256], data: floats(64 * 256, 1) },
  { name: "b_enc", dtype: "F32" as const, shape: [256], data: floats(256, 2) },
  { name: "W_dec", dtype: "F32" as const, shape: [256, 64], data: floats(256 * 64, 3) },
  { name: "b_dec", dtype: "F32" as const, shape: [64], data: floats(64, 4) },
];
const WEIGHTS = writeSafetensors(TENSORS);
const PATTERN = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7 + (i >> 8)) % 251);
const weights = hubFile("org/sae", "layer_3/sae_weights.safetensors");
const pattern = hubFile("org/sae", "pattern.bin");

let root = "";
let hub: MockHub;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "mock-hub-"));
  await put(weights.path, WEIGHTS);
  await put(pattern.path, PATTERN);
  hub = await startMockHub(root);
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(() => hub.reset());

async function put(path: string, bytes: Uint8Array): Promise<void> {
  const file = join(root, "org/sae", path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, bytes);
}

function open(file = weights, options: HubSourceOptions = {}) {
  return hubByteSource(file, { endpoint: hub.url, retryDelayMs: 1, ...options });
}

/** The Range headers that reached the CDN, in order. */
function cdnRanges(): (string | null)[] {
  return hub.requests.filter((r) => r.path.startsWith("/cdn/")).map((r) => r.range);
}

async function failure(promise: Promise<unknown>): Promise<HubError> {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HubError);
  return e as HubError;
}

const headerEnd = Number(new DataView(WEIGHTS.buffer).getBigUint64(0, true)) + 8;

describe("hubByteSource over the mock hub", () => {
  it("reads the header and the asked tensors with Range requests of their sizes", async () => {
    const src = await open();
    expect(src.size).toBe(WEIGHTS.byteLength);
    expect(src.name).toBe("org/sae/layer_3/sae_weights.safetensors");
    expect(src.etag).toMatch(/^"[0-9a-f]{16}"$/);
    const f = await openSafetensors(src);
    expect([...f.tensors.keys()]).toEqual(["W_enc", "b_enc", "W_dec", "b_dec"]);
    expect(await f.readF32("b_enc")).toEqual(TENSORS[1]?.data);
    expect(await f.readF32("W_dec", 10, 2)).toEqual(TENSORS[2]?.data.subarray(640, 768));

    const bEnc = f.info("b_enc");
    const wDec = f.info("W_dec");
    expect(cdnRanges()).toEqual([
      "bytes=0-0",
      "bytes=0-7",
      `bytes=8-${headerEnd - 1}`,
      `bytes=${bEnc.begin}-${bEnc.end - 1}`,
      `bytes=${wDec.begin + 640 * 4}-${wDec.begin + 768 * 4 - 1}`,
    ]);
    // Every request went through the Hub's redirect.
    expect(hub.requests.filter((r) => r.status === 302)).toHaveLength(5);
    expect(hub.bytesSent).toBe(1 + headerEnd + 256 * 4 + 128 * 4);
    expect(hub.bytesSent).toBeLessThan(WEIGHTS.byteLength / 20);
  });

  it("reports cumulative progress up to the file size", async () => {
    const calls: [number, number][] = [];
    const src = await open(weights, { onProgress: (loaded, total) => calls.push([loaded, total]) });
    expect(calls).toEqual([[0, WEIGHTS.byteLength]]);
    const f = await openSafetensors(src);
    for (const t of TENSORS) expect(await f.readF32(t.name)).toEqual(t.data);
    expect(calls.at(-1)).toEqual([WEIGHTS.byteLength, WEIGHTS.byteLength]);
    expect(calls.every(([, total]) => total === WEIGHTS.byteLength)).toBe(true);
    const loaded = calls.map(([l]) => l);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    // Progress moves while a tensor streams, not only when it is done.
    expect(loaded.length).toBeGreaterThan(TENSORS.length + 3);
  });

  it("names a missing file, revision and a refused token", async () => {
    const missing = await failure(open(hubFile("org/sae", "nope.safetensors")));
    expect(missing.code).toBe("not-found");
    expect(missing.message).toBe("not found on the Hub: org/sae/nope.safetensors (revision main)");
    const rev = await failure(open(hubFile("org/sae", weights.path, "v2")));
    expect(rev.message).toBe(`not found on the Hub: org/sae/${weights.path} (revision v2)`);
    expect(hub.requests).toHaveLength(2); // not retried

    hub.switches.requiredToken = "hf_secret";
    const anonymous = await failure(open());
    expect(anonymous.code).toBe("access-denied");
    expect(anonymous.message).toContain("access denied (HTTP 401): the repo is private or gated");
    const wrong = await failure(open(weights, { token: "hf_wrong" }));
    expect(wrong.message).toContain("the access token was refused");
    const src = await open(weights, { token: "hf_secret" });
    expect(Array.from(await src.read(0, 8))).toEqual(Array.from(WEIGHTS.subarray(0, 8)));
  });

  it("resumes a cut transfer from the first missing byte", async () => {
    const src = await open();
    const f = await openSafetensors(src);
    const w = f.info("W_enc");
    hub.reset();
    hub.switches.cutAfterBytes = 1000;
    expect(await f.readF32("W_enc")).toEqual(TENSORS[0]?.data);
    expect(cdnRanges()).toEqual([
      `bytes=${w.begin}-${w.end - 1}`,
      `bytes=${w.begin + 1000}-${w.end - 1}`,
    ]);
    expect(hub.bytesSent).toBe(w.end - w.begin);
  });

  it("retries server errors and gives up on a dead connection after maxRetries", async () => {
    hub.switches.failNextRequests = 2;
    const src = await open();
    expect(src.size).toBe(WEIGHTS.byteLength);
    expect(hub.requests.map((r) => r.status)).toEqual([503, 503, 302, 206]);

    hub.reset();
    hub.switches.offline = true;
    const e = await failure(src.read(0, 8));
    expect(e.code).toBe("network");
    expect(e.message).toMatch(
      /^org\/sae\/layer_3\/sae_weights\.safetensors \(revision main\): could not reach the Hugging Face Hub: .* \(gave up after 4 attempts\)$/,
    );
    expect(hub.requests).toHaveLength(4);
  });

  it("reads a small file whole from a server that ignores Range, and refuses a large one", async () => {
    hub.switches.ignoreRange = true;
    const src = await open();
    const f = await openSafetensors(src);
    for (const t of TENSORS) expect(await f.readF32(t.name)).toEqual(t.data);
    expect(hub.requests.map((r) => r.status)).toEqual([302, 200]);

    await put("big.bin", new Uint8Array(WHOLE_FILE_LIMIT + 1));
    const big = await failure(open(hubFile("org/sae", "big.bin")));
    expect(big.code).toBe("range-unsupported");
    expect(big.message).toBe(
      "org/sae/big.bin (revision main): the server ignored the Range header (HTTP 200); " +
        `refusing to download the whole file of ${WHOLE_FILE_LIMIT + 1} bytes (only files up to ${WHOLE_FILE_LIMIT} bytes are)`,
    );

    hub.switches.ignoreRange = false;
    const ranged = await open();
    hub.switches.ignoreRange = true;
    const late = await failure(ranged.read(100, 10));
    expect(late.code).toBe("range-unsupported");
    expect(late.message).toContain("ignored the Range header (HTTP 200) for bytes 100-109");
  });

  it("opens an empty file", async () => {
    await put("empty.bin", new Uint8Array(0));
    const src = await open(hubFile("org/sae", "empty.bin"));
    expect(src.size).toBe(0);
    expect((await src.read(0, 0)).byteLength).toBe(0);
  });
});

describe("hubByteSource with a cache", () => {
  it("fetches only the missing runs of aligned chunks", async () => {
    const cache = memoryByteCache();
    const src = await open(pattern, { cache, chunkSize: 1024 });
    expect(Array.from(await src.read(1500, 1100))).toEqual(
      Array.from(PATTERN.subarray(1500, 2600)),
    );
    expect(Array.from(await src.read(6200, 100))).toEqual(Array.from(PATTERN.subarray(6200, 6300)));
    expect(Array.from(await src.read(0, 9000))).toEqual(Array.from(PATTERN.subarray(0, 9000)));
    expect(cdnRanges()).toEqual([
      "bytes=0-0",
      "bytes=1024-3071",
      "bytes=6144-7167",
      "bytes=0-1023",
      "bytes=3072-6143",
      "bytes=7168-9215",
    ]);
    expect(cache.size).toBe(1 + 9); // the probe and chunks 0..8
    const last = await src.read(19_990, 10); // the short last chunk
    expect(Array.from(last)).toEqual(Array.from(PATTERN.subarray(19_990)));
    expect(cdnRanges().at(-1)).toBe("bytes=19456-19999");
  });

  it("loads again from a warm cache without a single request, offline", async () => {
    const cache = memoryByteCache();
    const first = await openSafetensors(await open(weights, { cache, chunkSize: 4096 }));
    for (const t of TENSORS) await first.readF32(t.name);
    expect(hub.requests.length).toBeGreaterThan(0);

    hub.reset();
    hub.switches.offline = true;
    const calls: number[] = [];
    const src = await open(weights, { cache, chunkSize: 4096, onProgress: (l) => calls.push(l) });
    const again = await openSafetensors(src);
    for (const t of TENSORS) expect(await again.readF32(t.name)).toEqual(t.data);
    expect(hub.requests).toHaveLength(0);
    expect(calls.at(-1)).toBe(WEIGHTS.byteLength);

    // Revalidating while offline falls back to what the cache knows.
    const revalidated = await open(weights, {
      cache,
      chunkSize: 4096,
      revalidate: true,
      maxRetries: 1,
    });
    expect(Array.from(await revalidated.read(0, 8))).toEqual(Array.from(WEIGHTS.subarray(0, 8)));
    expect(hub.requests).toHaveLength(2);
  });

  it("resumes a cut transfer inside a chunk and caches every chunk once", async () => {
    const cache = memoryByteCache();
    const src = await open(pattern, { cache, chunkSize: 1024 });
    hub.reset();
    hub.switches.cutAfterBytes = 1500;
    expect(Array.from(await src.read(0, 5000))).toEqual(Array.from(PATTERN.subarray(0, 5000)));
    expect(cdnRanges()).toEqual(["bytes=0-5119", "bytes=1500-5119"]);
    expect(hub.bytesSent).toBe(5120);
    expect(cache.size).toBe(1 + 5);

    hub.reset();
    hub.switches.offline = true;
    const offline = await open(pattern, { cache, chunkSize: 1024 });
    expect(Array.from(await offline.read(100, 5000))).toEqual(
      Array.from(PATTERN.subarray(100, 5100)),
    );
    expect(hub.requests).toHaveLength(0);
  });

  it("aborts a stalled transfer promptly, keeping only whole chunks, and resumes from them", async () => {
    const cache = memoryByteCache();
    const controller = new AbortController();
    let loaded = 0;
    const options = { cache, chunkSize: 4096, signal: controller.signal };
    const src = await open(weights, { ...options, onProgress: (l) => (loaded = l) });
    const f = await openSafetensors(src); // chunk 0 holds the whole header
    expect(headerEnd).toBeLessThan(4096);
    const w = f.info("W_enc");
    hub.reset();
    hub.switches.stallAfterBytes = 5000;
    const before = loaded;
    let abortedAt = 0;
    const reading = f.readF32("W_enc");
    await new Promise<void>((stalled, fail) => {
      const deadline = setTimeout(
        () => fail(new Error(`stuck at ${loaded - before} bytes`)),
        10_000,
      );
      const poll = setInterval(() => {
        // The cached part of chunk 0, then 5000 bytes from offset 4096.
        if (loaded - before < 4096 - w.begin + 5000) return;
        clearInterval(poll);
        clearTimeout(deadline);
        abortedAt = performance.now();
        controller.abort();
        stalled();
      }, 2);
    });
    const e = await reading.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect((e as Error).name).toBe("AbortError");
    expect(cdnRanges()).toEqual([`bytes=4096-${Math.ceil(w.end / 4096) * 4096 - 1}`]);
    expect(cache.size).toBe(1 + 2); // the probe, chunk 0 and chunk 1; not the partial chunk 2
    await expect(src.read(0, 8)).rejects.toThrow(expect.objectContaining({ name: "AbortError" }));

    hub.reset();
    const resumed = await openSafetensors(await open(weights, { cache, chunkSize: 4096 }));
    expect(await resumed.readF32("W_enc")).toEqual(TENSORS[0]?.data);
    expect(cdnRanges()).toEqual([`bytes=8192-${Math.ceil(w.end / 4096) * 4096 - 1}`]);
  });

  it("does not start when the signal is already aborted, nor wait out a retry delay", async () => {
    const aborted = AbortSignal.abort();
    await expect(open(weights, { signal: aborted })).rejects.toThrow(
      expect.objectContaining({ name: "AbortError" }),
    );
    expect(hub.requests).toHaveLength(0);

    hub.switches.offline = true;
    const controller = new AbortController();
    const start = performance.now();
    setTimeout(() => controller.abort(), 50);
    const opening = open(weights, { signal: controller.signal, retryDelayMs: 60_000 });
    await expect(opening).rejects.toThrow(expect.objectContaining({ name: "AbortError" }));
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("refuses chunks of a file that changed on the Hub, until revalidated", async () => {
    await put("changing.safetensors", WEIGHTS);
    const changing = hubFile("org/sae", "changing.safetensors");
    const cache = memoryByteCache();
    const options = { cache, chunkSize: 1024 };
    await openSafetensors(await open(changing, options)); // caches the probe and chunk 0

    // Same size, other values: only the ETag tells.
    const other = TENSORS.map((t, i) => ({ ...t, data: floats(t.data.length, 10 + i) }));
    await put("changing.safetensors", writeSafetensors(other));
    const stale = await openSafetensors(await open(changing, options));
    const e = await failure(stale.readF32("W_dec"));
    expect(e.code).toBe("changed");
    expect(e.message).toMatch(/ETag "\w+"; now \d+ bytes, ETag "\w+"\); load it again$/);
    expect(e.message).toContain(`(${WEIGHTS.byteLength} bytes`);

    const fresh = await openSafetensors(await open(changing, { ...options, revalidate: true }));
    expect(await fresh.readF32("W_dec")).toEqual(other[2]?.data);

    const longer = [
      ...other,
      { name: "extra", dtype: "F32" as const, shape: [3], data: floats(3, 9) },
    ];
    const longerBytes = writeSafetensors(longer);
    await put("changing.safetensors", longerBytes);
    const grown = await failure(fresh.readF32("W_enc"));
    expect(grown.message).toContain(`now ${longerBytes.byteLength} bytes`);
  });

  it("fetches again a chunk whose cached entry is damaged", async () => {
    const entries = new Map<string, Uint8Array>();
    const cache: ByteCache = {
      get: (key) => Promise.resolve(entries.get(key)),
      put: (key, bytes) => Promise.resolve(void entries.set(key, bytes)),
    };
    const src = await open(pattern, { cache, chunkSize: 1024 });
    await src.read(0, 3000);
    const damaged = [...entries.keys()].filter((k) => k.startsWith("chunk:") && k.endsWith("#1"));
    expect(damaged).toHaveLength(1);
    entries.set(damaged[0] as string, new Uint8Array(1000));
    hub.reset();
    expect(Array.from(await src.read(0, 3000))).toEqual(Array.from(PATTERN.subarray(0, 3000)));
    expect(cdnRanges()).toEqual(["bytes=1024-2047"]);
  });

  it("keeps loading when the cache fails, and says why it stopped caching", async () => {
    const full = new DOMException("quota exceeded", "QuotaExceededError");
    let puts = 0;
    const failing: ByteCache = {
      get: () => Promise.resolve(undefined),
      put: () => {
        puts++;
        return Promise.reject(full);
      },
    };
    const src = await open(weights, { cache: failing, chunkSize: 4096 });
    const f = await openSafetensors(src);
    expect(await f.readF32("W_dec")).toEqual(TENSORS[2]?.data);
    expect(src.cacheError).toBe(full);
    expect(puts).toBe(1);
  });
});
