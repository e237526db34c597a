import { describe, expect, it } from "vitest";
import { logSoftmaxRows, referenceForward } from "./gpt2Reference.ts";
import { HOOK_SITES, hookName } from "./hooks.ts";
import { processWeights } from "./processWeights.ts";
import { randomGpt2Weights, tinyConfig } from "./randomGpt2.ts";

const cfg = tinyConfig();
const raw = randomGpt2Weights(cfg, 7);
const processed = processWeights(raw);
const tokens = [3, 36, 0, 12, 12, 5, 30];

function maxAbs(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

function rowMeans(a: Float64Array, d: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / d; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += a[r * d + c] as number;
    out.push(s / d);
  }
  return out;
}

describe("TransformerLens weight processing", () => {
  const before = referenceForward(raw, tokens);
  const after = referenceForward(processed, tokens);
  const d = cfg.dModel;

  it("leaves the next-token distribution unchanged", () => {
    const a = logSoftmaxRows(before.logits, cfg.vocabSize);
    const b = logSoftmaxRows(after.logits, cfg.vocabSize);
    expect(maxAbs(a, b)).toBeLessThan(1e-5);
    // ...while the logits themselves move by a per-position constant (center_unembed).
    expect(maxAbs(before.logits, after.logits)).toBeGreaterThan(1e-3);
  });

  it("makes every write to the residual stream zero-mean over d_model", () => {
    for (let l = 0; l < cfg.nLayer; l++) {
      for (const site of ["hook_resid_pre", "hook_attn_out", "hook_mlp_out"] as const) {
        const means = rowMeans(after.hooks.get(hookName(l, site))!, d);
        for (const m of means) expect(Math.abs(m)).toBeLessThan(1e-5);
      }
      // The raw model's writes are not centred, so the test above can fail.
      const rawMeans = rowMeans(before.hooks.get(hookName(l, "hook_mlp_out"))!, d);
      expect(Math.max(...rawMeans.map(Math.abs))).toBeGreaterThan(1e-3);
    }
  });

  it("turns ln2.hook_normalized into (x - mean) / std without gain or bias", () => {
    for (let l = 0; l < cfg.nLayer; l++) {
      const n = after.hooks.get(hookName(l, "ln2.hook_normalized"))!;
      for (let r = 0; r < tokens.length; r++) {
        const row = Array.from(n.subarray(r * d, (r + 1) * d));
        const mean = row.reduce((s, v) => s + v, 0) / d;
        const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
        expect(Math.abs(mean)).toBeLessThan(1e-6);
        expect(variance).toBeGreaterThan(0.99);
        expect(variance).toBeLessThan(1.0);
      }
    }
  });

  it("keeps the residual stream equal to the raw one up to its mean", () => {
    for (let l = 0; l < cfg.nLayer; l++) {
      for (const site of HOOK_SITES.filter((s) => s.includes("resid"))) {
        const a = before.hooks.get(hookName(l, site))!;
        const b = after.hooks.get(hookName(l, site))!;
        const ma = rowMeans(a, d);
        const centred = a.map((v, i) => v - (ma[Math.floor(i / d)] as number));
        expect(maxAbs(centred, b)).toBeLessThan(1e-5);
      }
    }
  });

  it("is idempotent on processed weights", () => {
    expect(processWeights(processed)).toBe(processed);
  });
});
