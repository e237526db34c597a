import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readTranscoderSet } from "../engine/circuits/setFiles.ts";
import { testTranscoder } from "../engine/circuits/setFilesTestFiles.ts";
import { bytesFileSet } from "../engine/formats/fileSet.ts";
import { randomGpt2Weights, tinyConfig } from "../engine/model/randomGpt2.ts";
import type { StoredWeights } from "../storage/runDb.ts";
import { isTranscoderSetRun, transcoderSetDownload } from "./transcoderSetDownload.ts";

describe("a run's Download set", () => {
  const config = tinyConfig({ nLayer: 2 });
  const d = config.dModel;
  const stored: StoredWeights = {
    runId: "r1",
    dictionaries: [0, 1].map((layer) => {
      const t = testTranscoder(layer, d, 8);
      return {
        id: `transcoder.L${layer}`,
        spec: t.spec,
        params: t.params,
        sparsity: new Float32Array(8).fill(-2),
      };
    }),
  };

  it("zips the run's transcoders as a set that reads back as the same weights", async () => {
    const files = unzipSync(transcoderSetDownload(stored, undefined));
    expect(Object.keys(files).sort()).toEqual([
      "circuit-tracer/config.yaml",
      "circuit-tracer/layer_0.safetensors",
      "circuit-tracer/layer_1.safetensors",
      "transcoder.L0/cfg.json",
      "transcoder.L0/sae_weights.safetensors",
      "transcoder.L0/sparsity.safetensors",
      "transcoder.L1/cfg.json",
      "transcoder.L1/sae_weights.safetensors",
      "transcoder.L1/sparsity.safetensors",
    ]);
    const weights = randomGpt2Weights(config, 1);
    const set = await readTranscoderSet([bytesFileSet("set.zip", files)], {
      config,
      ln2Unprocessed: weights.layers.map((l) => ({ gain: l.ln2W, bias: l.ln2B })),
      label: "tiny",
    });
    for (const layer of [0, 1]) {
      expect(set.layers[layer]!.source).toBe(`set.zip/transcoder.L${layer}`);
      expect([...set.layers[layer]!.params.wDec]).toEqual([
        ...stored.dictionaries[layer]!.params.wDec,
      ]);
    }
  });

  it("is offered for an every-layer run with transcoders, not for a sweep or a pair", () => {
    const base = { dictionaries: [{ kind: "transcoder" as const }] };
    expect(isTranscoderSetRun({ config: { ...base, layers: [0, 1] } } as never)).toBe(true);
    expect(isTranscoderSetRun({ config: { ...base } } as never)).toBe(false);
    const sweep = { setting: "k", values: [8, 16] };
    expect(isTranscoderSetRun({ config: { ...base, layers: [0, 1], sweep } } as never)).toBe(false);
    const saes = { dictionaries: [{ kind: "sae" as const }], layers: [0, 1] };
    expect(isTranscoderSetRun({ config: saes } as never)).toBe(false);
  });
});
