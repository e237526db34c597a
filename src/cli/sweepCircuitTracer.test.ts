import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DictionarySpec } from "../engine/dictionary/spec.ts";
import { expandSweep } from "../engine/stream/sweep.ts";
import { writeCircuitTracerSet } from "./sweepCircuitTracer.ts";

const dir = mkdtempSync(join(tmpdir(), "ct-set-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dictionaries(layers: number[], activation?: DictionarySpec["activation"]) {
  const members = expandSweep({
    kinds: ["transcoder"],
    layers,
    layerList: true,
    architecture: "standard",
    runSeed: 0,
  });
  return members.map((member) => ({
    member,
    spec: {
      kind: "transcoder" as const,
      dIn: 2,
      dSae: 3,
      dOut: 2,
      applyBDecToInput: false,
      hookName: `blocks.${member.layer}.ln2.hook_normalized`,
      hookNameOut: `blocks.${member.layer}.hook_mlp_out`,
      modelName: "tiny/model",
      normalizeActivations: "none" as const,
      ...(activation ? { activation } : {}),
    },
    params: {
      wEnc: Float32Array.from({ length: 6 }, (_, i) => i),
      bEnc: new Float32Array(3),
      wDec: Float32Array.from({ length: 6 }, (_, i) => 10 + i),
      bDec: new Float32Array(2),
    },
  }));
}

describe("writeCircuitTracerSet", () => {
  it("writes config.yaml and one file per layer for ReLU transcoders at layers 0..N", async () => {
    const out = join(dir, "ok");
    const line = await writeCircuitTracerSet(out, dictionaries([0, 1]), true, 4);
    expect(line).toMatch(/config\.yaml and 2 layer files/);
    const yaml = readFileSync(join(out, "circuit-tracer", "config.yaml"), "utf8");
    expect(yaml).toContain('model_name: "tiny/model"');
    expect(yaml).toContain('  - id: "transcoder.L1"\n    layer: 1\n');
    expect(existsSync(join(out, "circuit-tracer", "layer_1.safetensors"))).toBe(true);
  });

  it("says why not for a gap in the layers or another activation, and nothing for a sweep", async () => {
    const gap = await writeCircuitTracerSet(join(dir, "gap"), dictionaries([0, 2]), true, 4);
    expect(gap).toBe(
      "no circuit-tracer/ transcoder set: circuit-tracer needs a transcoder at every layer " +
        "0..max (this run has 0,2; --layers all gives 0..3)",
    );
    const topk = dictionaries([0, 1], { kind: "topk", k: 2 });
    expect(await writeCircuitTracerSet(join(dir, "topk"), topk, true, 4)).toBe(
      "no circuit-tracer/ transcoder set: circuit-tracer's load_relu_transcoder builds ReLU " +
        "transcoders, these are topk",
    );
    expect(await writeCircuitTracerSet(join(dir, "swept"), dictionaries([0, 1]), false, 4)).toBe(
      undefined,
    );
    for (const d of ["gap", "topk", "swept"]) expect(existsSync(join(dir, d))).toBe(false);
  });
});
