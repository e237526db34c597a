import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { DictionaryParams } from "../dictionary/spec.ts";
import { bytesFileSet, type FileSet } from "../formats/fileSet.ts";
import { FormatError } from "../formats/formatError.ts";
import { transpose } from "../model/gpt2Weights.ts";
import { randomGpt2Weights, tinyConfig } from "../model/randomGpt2.ts";
import { writeSafetensors } from "../formats/safetensorsWrite.ts";
import {
  readTranscoderSet,
  transcoderSetZip,
  writeTranscoderSet,
  type SetModel,
} from "./setFiles.ts";
import { testTranscoder, transcoderCircuitsPt } from "./setFilesTestFiles.ts";
import type { SetTranscoder, TranscoderSet } from "./transcoderSet.ts";

const D = 16;
const config = tinyConfig({ nLayer: 3, dModel: D });
const weights = randomGpt2Weights(config, 3);
const model: SetModel = {
  config,
  ln2Unprocessed: weights.layers.map((l) => ({ gain: l.ln2W, bias: l.ln2B })),
  label: "the tiny model",
};

const PARAM_KEYS = ["wEnc", "bEnc", "wDec", "bDec", "threshold", "wSkip"] as const;

function expectSameParams(got: DictionaryParams, want: DictionaryParams) {
  for (const k of PARAM_KEYS) {
    expect(got[k] === undefined, k).toBe(want[k] === undefined);
    if (want[k])
      expect(Buffer.from(got[k]!.buffer).equals(Buffer.from(want[k].buffer)), k).toBe(true);
  }
}

const files = (name: string, f: Record<string, Uint8Array>): FileSet => bytesFileSet(name, f);

/** Only the paths under `prefix`, as the FileSet of that folder. */
function folder(all: Record<string, Uint8Array>, prefix: string): Record<string, Uint8Array> {
  return Object.fromEntries(
    Object.entries(all)
      .filter(([p]) => p.startsWith(`${prefix}/`))
      .map(([p, b]) => [p.slice(prefix.length + 1), b]),
  );
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FormatError);
  const message = (err as Error).message;
  expect(message).not.toContain("\n");
  return message;
}

describe("writeTranscoderSet and readTranscoderSet", () => {
  const mixed: TranscoderSet = {
    modelName: "tiny",
    layers: [
      testTranscoder(0, D, 12, { skip: true }),
      undefined,
      testTranscoder(2, D, 20, { activation: { kind: "topk", k: 3 } }),
    ],
  };

  it("reads back a set folder written here: the same specs and bit-identical weights, a layer missing", async () => {
    const { files: written, circuitTracerRefusal } = writeTranscoderSet(mixed);
    expect(circuitTracerRefusal).toBe(
      "circuit-tracer needs a transcoder at every layer 0..max (this set has 0,2)",
    );
    expect(Object.keys(written).sort()).toEqual([
      "circuit-tracer/config.yaml",
      "transcoder.L0/cfg.json",
      "transcoder.L0/sae_weights.safetensors",
      "transcoder.L2/cfg.json",
      "transcoder.L2/sae_weights.safetensors",
    ]);
    const yaml = new TextDecoder().decode(written["circuit-tracer/config.yaml"]);
    expect(yaml).toContain("# Not loadable by circuit-tracer: circuit-tracer needs a transcoder");
    expect(yaml).not.toContain("model_kind");
    expect(yaml).toContain('saelens_folders:\n  - layer: 0\n    folder: "../transcoder.L0"\n');
    const set = await readTranscoderSet([files("set", written)], model);
    expect(set.modelName).toBe("tiny");
    expect(set.layers[1]).toBeUndefined();
    for (const layer of [0, 2]) {
      const got = set.layers[layer]!;
      const want = mixed.layers[layer]!;
      expect(got.source).toBe(`set/transcoder.L${layer}`);
      expect(got.spec).toMatchObject(want.spec);
      expectSameParams(got.params, want.params);
    }
    // The same from the page's zip.
    const zipped = unzipSync(transcoderSetZip(mixed));
    expect(Object.keys(zipped).sort()).toEqual(Object.keys(written).sort());
  });

  it("writes circuit-tracer's config and layer files, which read back alone", async () => {
    // SAELens's JumpReLU (with a ReLU) is circuit-tracer's (without) when no threshold is < 0.
    const saelensJump = { kind: "jumprelu" as const, relu: true };
    const jump = { kind: "jumprelu" as const, relu: false };
    const set: TranscoderSet = {
      modelName: "tiny",
      // d_sae = d_model at layers 0 and 1: a square W_dec, read by the layout of the config.
      layers: [0, 1, 2].map((l) =>
        testTranscoder(l, D, l === 2 ? 24 : D, { activation: saelensJump, skip: l === 1 }),
      ),
    };
    const { files: written, circuitTracerRefusal } = writeTranscoderSet(set, {
      layerFilePath: (name) => `/somewhere/else/${name}`,
    });
    expect(circuitTracerRefusal).toBeUndefined();
    const yaml = new TextDecoder().decode(written["circuit-tracer/config.yaml"]);
    expect(yaml).toContain('model_kind: "transcoder_set"\n');
    expect(yaml).toContain(
      'feature_input_hook: "ln2.hook_normalized"\nfeature_output_hook: "hook_mlp_out"\n',
    );
    expect(yaml).not.toContain("activation:");
    expect(yaml).toContain('transcoders:\n  - "/somewhere/else/layer_0.safetensors"\n');
    const ctOnly = folder(written, "circuit-tracer");
    expect(Object.keys(ctOnly).sort()).toEqual([
      "config.yaml",
      "layer_0.safetensors",
      "layer_1.safetensors",
      "layer_2.safetensors",
    ]);
    const read = await readTranscoderSet([files("ct", ctOnly)], model);
    for (const layer of [0, 1, 2]) {
      const got = read.layers[layer]!;
      expect(got.source).toBe(`ct/layer_${layer}.safetensors`);
      expect(got.spec).toMatchObject({ ...set.layers[layer]!.spec, activation: jump });
      expectSameParams(got.params, set.layers[layer]!.params);
    }
  });

  it("reads a circuit-tracer config of the earlier layout ({id, layer, filepath}; W_dec [d, d_sae]) reading mlp.hook_in", async () => {
    const t = testTranscoder(1, D, D);
    const { dIn, dSae } = t.spec;
    const layerFile = writeSafetensors([
      {
        name: "W_enc",
        dtype: "F32",
        shape: [dSae, dIn],
        data: transpose(t.params.wEnc, dIn, dSae) as Float32Array<ArrayBuffer>,
      },
      {
        name: "W_dec",
        dtype: "F32",
        shape: [D, dSae],
        data: transpose(t.params.wDec, dSae, D) as Float32Array<ArrayBuffer>,
      },
      { name: "b_enc", dtype: "F32", shape: [dSae], data: t.params.bEnc },
      { name: "b_dec", dtype: "F32", shape: [D], data: t.params.bDec },
    ]);
    const yaml = [
      'model_name: "tiny"  # a comment',
      "feature_input_hook: mlp.hook_in",
      "feature_output_hook: 'hook_mlp_out'",
      "transcoders:",
      '  - id: "mlp-1"',
      "    layer: 1",
      "    filepath: /data/tc/mine_1.safetensors",
    ].join("\n");
    const set = await readTranscoderSet(
      [
        files("old", {
          "config.yaml": new TextEncoder().encode(yaml),
          "mine_1.safetensors": layerFile,
        }),
      ],
      model,
    );
    const got = set.layers[1]!;
    expect(set.layers[0]).toBeUndefined();
    // Bound to the model: ln_2's gain folded into W_enc, its bias into b_enc (mlpInputSite.ts).
    expect(got.spec.hookName).toBe("blocks.1.ln2.hook_normalized");
    const { gain, bias } = model.ln2Unprocessed[1]!;
    for (const [r, c] of [
      [0, 0],
      [3, 7],
      [15, 15],
    ] as const) {
      expect(got.params.wEnc[r * dSae + c]).toBeCloseTo(gain[r]! * t.params.wEnc[r * dSae + c]!, 6);
    }
    let b0 = t.params.bEnc[0]!;
    for (let r = 0; r < dIn; r++) b0 += bias[r]! * t.params.wEnc[r * dSae]!;
    expect(got.params.bEnc[0]).toBeCloseTo(b0, 5);
    expectSameParams({ ...got.params, wEnc: t.params.wEnc, bEnc: t.params.bEnc }, t.params);
  });

  it("reads per-layer transcoder_circuits .pt files, in one folder or as separate items", async () => {
    const m = 6;
    const layers = [0, 2].map((layer) => {
      const n = (len: number, s: number) =>
        Float32Array.from({ length: len }, (_, i) => Math.sin(i * s + layer));
      const w = {
        W_enc: n(D * m, 0.7),
        b_enc: n(m, 1.3),
        W_dec: n(m * D, 0.9),
        b_dec: n(D, 2.1),
        b_dec_out: n(D, 0.4),
      };
      return { layer, w, bytes: transcoderCircuitsPt(layer, w, D, m) };
    });
    const name = (l: number) =>
      `final_sparse_autoencoder_gpt2-small_blocks.${l}.ln2.hook_normalized_${m}.pt`;
    const oneFolder = files(
      "gpt2-transcoders",
      Object.fromEntries(layers.map((l) => [name(l.layer), l.bytes])),
    );
    const separate = layers.map((l) => files(name(l.layer), { [name(l.layer)]: l.bytes }));
    for (const items of [[oneFolder], separate]) {
      const set = await readTranscoderSet(items, model);
      expect(set.modelName).toBe("gpt2-small");
      expect(set.layers[1]).toBeUndefined();
      for (const { layer, w } of layers) {
        const got = set.layers[layer]!;
        expect(got.spec).toMatchObject({
          hookName: `blocks.${layer}.ln2.hook_normalized`,
          hookNameOut: `blocks.${layer}.hook_mlp_out`,
          dSae: m,
        });
        // b_enc' = b_enc − b_dec·W_enc; b_dec' = b_dec_out (formats.md, transcoder_circuits).
        for (let f = 0; f < m; f++) {
          let b = w.b_enc[f]!;
          for (let i = 0; i < D; i++) b -= w.b_dec[i]! * w.W_enc[i * m + f]!;
          expect(got.params.bEnc[f]).toBeCloseTo(b, 5);
        }
        expectSameParams({ ...got.params, bEnc: w.b_enc as Float32Array<ArrayBuffer> }, {
          wEnc: w.W_enc,
          bEnc: w.b_enc,
          wDec: w.W_dec,
          bDec: w.b_dec_out,
        } as DictionaryParams);
      }
    }
  });
});

describe("readTranscoderSet refuses, in one line naming the file", () => {
  const t0 = testTranscoder(0, D, 8);
  const folderOf = (t: SetTranscoder, name = "transcoder.L0") =>
    folder(
      writeTranscoderSet({ modelName: t.spec.modelName, layers: [t] }, { folder: () => name })
        .files,
      name,
    );

  it("a file that is not a transcoder", async () => {
    const sae = testTranscoder(0, D, 8);
    sae.spec = { ...sae.spec, kind: "sae", hookNameOut: sae.spec.hookName, applyBDecToInput: true };
    expect(await refusal(readTranscoderSet([files("sae", folderOf(sae))], model))).toMatch(
      /^sae: is SAELens 6 · standard SAE · d_in 16, d_sae 8, d_out 16 · blocks\.0\.ln2\.hook_normalized · F32 · .*; a transcoder set takes transcoders \(MLP input → MLP output\)$/,
    );
    const text = files("notes", { "notes.txt": new TextEncoder().encode("hello") });
    expect(await refusal(readTranscoderSet([text], model))).toMatch(
      /^notes: is not a recognised format: found "notes.txt"/,
    );
  });

  it("two files for one layer", async () => {
    const again = testTranscoder(0, D, 8, { seed: 99 });
    expect(
      await refusal(
        readTranscoderSet([files("a", folderOf(t0)), files("b", folderOf(again))], model),
      ),
    ).toBe("b: is a second transcoder for layer 0 (the first is a); a set has one per layer");
  });

  it("widths or sites that do not fit the model", async () => {
    const wide = testTranscoder(0, 24, 8);
    expect(await refusal(readTranscoderSet([files("wide", folderOf(wide))], model))).toBe(
      "wide: this transcoder reads blocks.0.ln2.hook_normalized → blocks.0.hook_mlp_out of a width-24 model; the loaded model is the tiny model, width 16, 3 layers",
    );
    const deep = testTranscoder(5, D, 8);
    expect(
      await refusal(readTranscoderSet([files("deep", folderOf(deep, "transcoder.L5"))], model)),
    ).toBe(
      "deep: this transcoder reads blocks.5.ln2.hook_normalized → blocks.5.hook_mlp_out, but the loaded model is the tiny model, width 16, 3 layers (blocks 0..2)",
    );
    const skew = testTranscoder(0, D, 8);
    skew.spec = { ...skew.spec, hookNameOut: "blocks.1.hook_mlp_out" };
    expect(await refusal(readTranscoderSet([files("skew", folderOf(skew))], model))).toBe(
      "skew: reads blocks.0.ln2.hook_normalized → blocks.1.hook_mlp_out; a transcoder set needs blocks.L.ln2.hook_normalized → blocks.L.hook_mlp_out (an MLP's input and output)",
    );
  });

  it("files from different models", async () => {
    const other = testTranscoder(1, D, 8, { modelName: "gpt2-other" });
    expect(
      await refusal(
        readTranscoderSet(
          [files("a", folderOf(t0)), files("b", folderOf(other, "transcoder.L1"))],
          model,
        ),
      ),
    ).toBe(
      'a, b: mixes transcoders made for different models: "tiny" (layers 0), "gpt2-other" (layers 1); a set\'s transcoders come from one model',
    );
  });

  it("a config whose files are missing or whose hooks are not an MLP's", async () => {
    const yaml = (body: string) => files("cfg", { "config.yaml": new TextEncoder().encode(body) });
    expect(
      await refusal(
        readTranscoderSet(
          [
            yaml(
              'feature_input_hook: "ln2.hook_normalized"\nfeature_output_hook: "hook_mlp_out"\ntranscoders:\n  - "layer_0.safetensors"\n',
            ),
          ],
          model,
        ),
      ),
    ).toBe(
      'cfg/config.yaml: transcoders[0] is "layer_0.safetensors", which is not among the files given; give the folder that holds the layer files',
    );
    expect(
      await refusal(
        readTranscoderSet(
          [
            yaml(
              'feature_input_hook: "hook_resid_mid"\nfeature_output_hook: "hook_mlp_out"\ntranscoders:\n  - "x"\n',
            ),
          ],
          model,
        ),
      ),
    ).toBe(
      'cfg/config.yaml: feature_input_hook: expected "ln2.hook_normalized" or "mlp.hook_in" (a transcoder set reads each MLP\'s input and writes its output), found "hook_resid_mid"',
    );
  });
});
