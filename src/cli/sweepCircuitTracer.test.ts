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
  it("writes the manifest and circuit-tracer's layer files for transcoders at layers 0..N", async () => {
    const out = join(dir, "ok");
    const line = await writeCircuitTracerSet(out, dictionaries([0, 1]), true, 4);
    expect(line).toMatch(/config\.yaml and 2 layer files \(circuit-tracer's load_transcoders\)$/);
    const yaml = readFileSync(join(out, "circuit-tracer", "config.yaml"), "utf8");
    expect(yaml).toContain('model_kind: "transcoder_set"\nmodel_name: "tiny/model"\n');
    const layer1 = join(out, "circuit-tracer", "layer_1.safetensors");
    expect(yaml).toContain(
      `transcoders:\n  - ${JSON.stringify(join(out, "circuit-tracer", "layer_0.safetensors"))}\n  - ${JSON.stringify(layer1)}\n`,
    );
    expect(yaml).toContain('saelens_folders:\n  - layer: 0\n    folder: "../transcoder.L0"\n');
    expect(existsSync(layer1)).toBe(true);
    // The SAELens folders are the run's own (saveDictionaryRun): not written again here.
    expect(existsSync(join(out, "transcoder.L0"))).toBe(false);
  });

  it("writes circuit-tracer's TopK set with its k", async () => {
    const out = join(dir, "topk");
    await writeCircuitTracerSet(out, dictionaries([0, 1], { kind: "topk", k: 2 }), true, 4);
    const yaml = readFileSync(join(out, "circuit-tracer", "config.yaml"), "utf8");
    expect(yaml).toContain('activation: "topk"\nk: 2\ntranscoders:\n');
    expect(yaml).toContain("# Note: circuit-tracer's TopK keeps the top k without a ReLU");
  });

  it("says why circuit-tracer cannot load a gap in the layers, and writes nothing for a sweep", async () => {
    const gap = await writeCircuitTracerSet(join(dir, "gap"), dictionaries([0, 2]), true, 4);
    expect(gap).toBe(
      `wrote the transcoder set's ${join(dir, "gap", "circuit-tracer")}/config.yaml (its SAELens folders); ` +
        "no circuit-tracer layer files: circuit-tracer needs a transcoder at every layer 0..max (this set has 0,2)",
    );
    expect(existsSync(join(dir, "gap", "circuit-tracer", "layer_0.safetensors"))).toBe(false);
    expect(await writeCircuitTracerSet(join(dir, "swept"), dictionaries([0, 1]), false, 4)).toBe(
      undefined,
    );
    expect(existsSync(join(dir, "swept"))).toBe(false);
  });
});
