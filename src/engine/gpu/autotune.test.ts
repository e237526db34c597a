import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gemmTuneFile } from "../../node/gemmTuneFile.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import { adapterKey, chooseGemm, isSoftwareAdapter, type AdapterFacts } from "./autotune.ts";
import { DEFAULT_GEMM, gemmChoiceFor, isGemmChoice } from "./gemmVariants.ts";

const shaders = loadNodeShaders();
const tmpFile = () => join(mkdtempSync(join(tmpdir(), "gemm-tune-")), "sub", "gemm.json");

const facts = (over: Partial<AdapterFacts> = {}): AdapterFacts => ({
  vendor: "nvidia",
  architecture: "hopper",
  device: "",
  description: "NVIDIA H200",
  isFallbackAdapter: false,
  subgroups: false,
  maxComputeWorkgroupStorageSize: 32768,
  maxComputeInvocationsPerWorkgroup: 1024,
  ...over,
});

describe("choosing the GEMM kernels per adapter", () => {
  it("keeps today's kernels on SwiftShader without timing or touching the cache", async () => {
    const { device, gemm } = await testDevice();
    expect(gemm.source).toBe("software");
    expect(gemm.choice).toEqual(DEFAULT_GEMM);
    expect(gemmChoiceFor(device)).toEqual(DEFAULT_GEMM);
    const path = tmpFile();
    const r = await chooseGemm(device, facts({ description: "SwiftShader Device" }), shaders, {
      cache: gemmTuneFile(path),
    });
    expect(r.source).toBe("software");
    expect(() => readFileSync(path)).toThrow();
  });

  it("times the candidates when forced, picks one that was timed, caches it per adapter", async () => {
    const { device } = await testDevice();
    const f = facts({ subgroups: device.features.has("subgroups") });
    const path = tmpFile();
    const cache = gemmTuneFile(path);
    const shape = { B: 40, D: 20, F: 36 };
    // Two candidates per product: SwiftShader compiles each workgroup-memory kernel for 10-20 s.
    const only = [f.subgroups ? "subgroupSplitK" : "tiled64x64"];
    const tuned = await chooseGemm(device, f, shaders, {
      cache,
      force: true,
      budgetMs: 200_000,
      shape,
      iterations: 2,
      only,
    });
    expect(tuned.source).toBe("tuned");
    expect(isGemmChoice(tuned.choice)).toBe(true);
    for (const product of ["rows", "at"] as const) {
      const timings = tuned.timings![product];
      const times = Object.values(timings).filter((t) => typeof t === "number");
      // every candidate ran and agreed with today's kernel
      expect(Object.keys(timings).sort()).toEqual(["blocked", ...only].sort());
      expect(Object.entries(timings).filter(([, t]) => typeof t !== "number")).toEqual([]);
      expect(timings[tuned.choice[product]]).toBe(Math.min(...times));
    }
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ [adapterKey(f)]: tuned.choice });
    const again = await chooseGemm(device, f, shaders, { cache, shape });
    expect(again).toEqual({ choice: tuned.choice, source: "cache" });
  }, 240_000);

  it("stops timing at the budget and keeps today's kernel then", async () => {
    const { device } = await testDevice();
    const r = await chooseGemm(device, facts(), shaders, {
      force: true,
      budgetMs: 0,
      shape: { B: 8, D: 4, F: 8 },
    });
    expect(r.choice).toEqual(DEFAULT_GEMM);
    expect(r.timings!.rows["tiled64x64"]).toBe("out of time");
    expect(typeof r.timings!.rows["blocked"]).toBe("number");
  });
});

describe("adapter keys and the Node cache file", () => {
  it("tells adapters apart and recognises CPU rasterisers", () => {
    expect(adapterKey(facts())).not.toBe(adapterKey(facts({ subgroups: true })));
    expect(adapterKey(facts())).not.toBe(adapterKey(facts({ description: "NVIDIA H100" })));
    expect(isSoftwareAdapter(facts())).toBe(false);
    expect(isSoftwareAdapter(facts({ vendor: "google", architecture: "swiftshader" }))).toBe(true);
    expect(isSoftwareAdapter(facts({ description: "llvmpipe (LLVM 15.0.6, 256 bits)" }))).toBe(
      true,
    );
    expect(isSoftwareAdapter(facts({ isFallbackAdapter: true }))).toBe(true);
  });

  it("round-trips choices per key and ignores unreadable or unknown entries", async () => {
    const path = tmpFile();
    const cache = gemmTuneFile(path);
    expect(await cache.get("a")).toBeUndefined();
    await cache.set("a", { rows: "tiled64x64", at: "blocked" });
    await cache.set("b", { rows: "blocked", at: "tiled128x64" });
    expect(await gemmTuneFile(path).get("a")).toEqual({ rows: "tiled64x64", at: "blocked" });
    expect(await gemmTuneFile(path).get("b")).toEqual({ rows: "blocked", at: "tiled128x64" });
    writeFileSync(path, JSON.stringify({ a: { rows: "gone", at: "blocked" } }));
    expect(await cache.get("a")).toBeUndefined();
    writeFileSync(path, "{not json");
    expect(await cache.get("a")).toBeUndefined();
    await cache.set("c", DEFAULT_GEMM);
    expect(await cache.get("c")).toEqual(DEFAULT_GEMM);
  });
});
