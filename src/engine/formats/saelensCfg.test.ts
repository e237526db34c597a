import { describe, expect, it } from "vitest";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { FormatError } from "./formatError.ts";
import { parseSaelensCfg, readSaelensCfg, toSaelensCfg } from "./saelens.ts";
import {
  JUMPRELU_SKIP_TRANSCODER_NOTE,
  runSaelensCfg,
  TOPK_TRANSCODER_NOTE,
} from "./saelensCfg.ts";

const sae: DictionarySpec = {
  kind: "sae",
  dIn: 768,
  dSae: 24576,
  dOut: 768,
  applyBDecToInput: true,
  hookName: "blocks.8.hook_resid_pre",
  hookNameOut: "blocks.8.hook_resid_pre",
  modelName: "gpt2",
  normalizeActivations: "none",
  contextSize: 128,
  prependBos: true,
  datasetPath: "Skylion007/openwebtext",
};

const transcoder: DictionarySpec = {
  kind: "transcoder",
  dIn: 64,
  dSae: 512,
  dOut: 64,
  applyBDecToInput: false,
  hookName: "blocks.0.ln2.hook_normalized",
  hookNameOut: "blocks.0.hook_mlp_out",
  modelName: "gpt2",
  normalizeActivations: "expected_average_only_in",
};

/** As SAELens 6 writes it after training (save_inference_model). */
const savedBySaelens6 = {
  d_in: 768,
  d_sae: 24576,
  dtype: "float32",
  device: "cuda",
  apply_b_dec_to_input: true,
  normalize_activations: "none",
  reshape_activations: "none",
  metadata: {
    sae_lens_version: "6.5.1",
    sae_lens_training_version: "6.5.1",
    dataset_path: "Skylion007/openwebtext",
    hook_name: "blocks.8.hook_resid_pre",
    model_name: "gpt2",
    model_class_name: "HookedTransformer",
    hook_head_index: null,
    context_size: 128,
    seqpos_slice: [null],
    model_from_pretrained_kwargs: { center_writing_weights: false },
    prepend_bos: true,
    exclude_special_tokens: false,
    sequence_separator_token: "bos",
    disable_concat_sequences: false,
  },
  architecture: "standard",
};

/** A pre-6 SAELens cfg.json: everything at the top level, old names. */
const savedBySaelens2 = {
  model_name: "gpt2-small",
  hook_point: "blocks.0.hook_resid_pre",
  hook_point_layer: 0,
  hook_point_head_index: null,
  d_in: 768,
  d_sae: 24576,
  dtype: "torch.float32",
  device: "cuda",
  context_size: 128,
  dataset_path: "Skylion007/openwebtext",
  prepend_bos: true,
  normalize_activations: false,
  activation_fn_str: "relu",
  sae_lens_training_version: "2.1.3",
};

function omit(obj: object, key: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...obj };
  delete copy[key];
  return copy;
}

function parseError(json: unknown): string {
  try {
    parseSaelensCfg(json, "cfg.json");
  } catch (e) {
    expect(e).toBeInstanceOf(FormatError);
    return (e as Error).message;
  }
  throw new Error("expected a FormatError");
}

describe("toSaelensCfg", () => {
  it("writes a SAELens 6 transcoder cfg", () => {
    expect(toSaelensCfg(transcoder, { steps: 1000 })).toEqual({
      architecture: "transcoder",
      d_in: 64,
      d_sae: 512,
      d_out: 64,
      dtype: "float32",
      device: "cpu",
      apply_b_dec_to_input: false,
      normalize_activations: "none",
      reshape_activations: "none",
      metadata: {
        sae_lens_version: "6.0.0",
        sae_lens_training_version: null,
        model_name: "gpt2",
        hook_name: "blocks.0.ln2.hook_normalized",
        hook_head_index: null,
        hook_name_out: "blocks.0.hook_mlp_out",
        hook_head_index_out: null,
        context_size: null,
        prepend_bos: null,
        dataset_path: null,
        training_normalize_activations: "expected_average_only_in",
        steps: 1000,
      },
    });
  });

  it("writes a standard SAE cfg without d_out", () => {
    const cfg = toSaelensCfg(sae);
    expect(cfg.architecture).toBe("standard");
    expect(cfg.apply_b_dec_to_input).toBe(true);
    expect("d_out" in cfg).toBe(false);
    expect(cfg.metadata).toMatchObject({
      context_size: 128,
      prepend_bos: true,
      hook_name: sae.hookName,
    });
    expect("hook_name_out" in (cfg.metadata as object)).toBe(false);
  });

  it("does not let extra metadata replace the fields SAELens reads", () => {
    const cfg = toSaelensCfg(sae, { sae_lens_version: "1.0", hook_name: "x", run: "a" });
    expect(cfg.metadata).toMatchObject({
      sae_lens_version: "6.0.0",
      hook_name: sae.hookName,
      run: "a",
    });
  });

  it("refuses specs SAELens cannot represent", () => {
    expect(() => toSaelensCfg({ ...transcoder, applyBDecToInput: true })).toThrow(
      "cannot apply b_dec",
    );
    expect(() => toSaelensCfg({ ...sae, dOut: 10 })).toThrow("dOut = dIn");
    expect(() => toSaelensCfg({ ...transcoder, activation: { kind: "topk", k: 8 } })).toThrow(
      "no TopK transcoder",
    );
  });

  it("writes a TopK transcoder under the playground's name when asked, and reads it back", () => {
    for (const skip of [false, true]) {
      const topk: DictionarySpec = {
        ...transcoder,
        normalizeActivations: "none",
        activation: { kind: "topk", k: 8 },
        ...(skip ? { skip } : {}),
      };
      const cfg = toSaelensCfg(topk, {}, { topkTranscoder: true });
      expect(cfg.architecture).toBe(skip ? "topk_skip_transcoder" : "topk_transcoder");
      expect(cfg.k).toBe(8);
      expect(parseSaelensCfg(JSON.parse(JSON.stringify(cfg)), "cfg.json")).toEqual(topk);
    }
  });
});

describe("runSaelensCfg", () => {
  const note = (s: DictionarySpec) =>
    (runSaelensCfg(s, { run: "a" }).metadata as Record<string, unknown>).note;
  const jumprelu = { kind: "jumprelu", relu: true } as const;

  it("notes the architectures SAELens 6.18 does not register, and names the release that does", () => {
    const skip: DictionarySpec = { ...transcoder, activation: jumprelu, skip: true };
    expect(runSaelensCfg(skip).architecture).toBe("jumprelu_skip_transcoder");
    expect(note(skip)).toMatch(/not registered in SAELens 6\.18.*6\.30\.1 and later/);
    expect(note(skip)).toBe(JUMPRELU_SKIP_TRANSCODER_NOTE);
    const topk: DictionarySpec = { ...transcoder, activation: { kind: "topk", k: 4 }, skip: true };
    expect(runSaelensCfg(topk).architecture).toBe("topk_skip_transcoder");
    expect(note(topk)).toBe(TOPK_TRANSCODER_NOTE);
  });

  it("adds no note where SAELens 6.18 loads the folder", () => {
    expect(note({ ...transcoder, activation: jumprelu })).toBeUndefined();
    expect(note({ ...transcoder, skip: true })).toBeUndefined();
    expect(note({ ...sae, activation: { kind: "topk", k: 4 } })).toBeUndefined();
    expect(note({ ...sae, activation: jumprelu })).toBeUndefined();
  });
});

describe("parseSaelensCfg", () => {
  it("round-trips both kinds through JSON", () => {
    const back = (s: DictionarySpec) =>
      parseSaelensCfg(JSON.parse(JSON.stringify(toSaelensCfg(s))), "cfg.json");
    expect(back(sae)).toEqual(sae);
    // Saved weights have normalisation folded in.
    expect(back(transcoder)).toEqual({ ...transcoder, normalizeActivations: "none" });
  });

  it("reads what SAELens 6 writes", () => {
    expect(parseSaelensCfg(savedBySaelens6, "cfg.json")).toEqual({
      ...sae,
      excludeSpecialTokens: false,
    });
  });

  it("reads pre-6 configs with top-level fields and old names", () => {
    expect(parseSaelensCfg(savedBySaelens2, "cfg.json")).toEqual({
      kind: "sae",
      dIn: 768,
      dSae: 24576,
      dOut: 768,
      applyBDecToInput: true,
      hookName: "blocks.0.hook_resid_pre",
      hookNameOut: "blocks.0.hook_resid_pre",
      modelName: "gpt2-small",
      normalizeActivations: "none",
      contextSize: 128,
      prependBos: true,
      datasetPath: "Skylion007/openwebtext",
    });
    const v5 = {
      model_name: "pythia-70m-deduped",
      hook_name: "blocks.3.hook_resid_post",
      hook_layer: 3,
      d_in: 512,
      d_sae: 4096,
      apply_b_dec_to_input: false,
      normalize_activations: "expected_average_only_in",
      architecture: "standard",
      sae_lens_training_version: "5.9.1",
    };
    expect(parseSaelensCfg(v5, "cfg.json")).toMatchObject({
      hookName: "blocks.3.hook_resid_post",
      modelName: "pythia-70m-deduped",
      dIn: 512,
      dSae: 4096,
      applyBDecToInput: false,
      normalizeActivations: "expected_average_only_in",
    });
    expect(parseSaelensCfg({ ...v5, normalize_activations: true }, "c").normalizeActivations).toBe(
      "expected_average_only_in",
    );
  });

  it("reads flat transcoder configs like SAELens's pretrained loaders build", () => {
    const flat = {
      architecture: "transcoder",
      d_in: 2304,
      d_out: 2304,
      d_sae: 16384,
      dtype: "float32",
      device: "cpu",
      activation_fn: "relu",
      normalize_activations: "none",
      model_name: "google/gemma-2-2b",
      hook_name: "blocks.0.hook_resid_mid",
      hook_name_out: "blocks.0.hook_mlp_out",
      apply_b_dec_to_input: false,
    };
    expect(parseSaelensCfg(flat, "cfg.json")).toEqual({
      kind: "transcoder",
      dIn: 2304,
      dSae: 16384,
      dOut: 2304,
      applyBDecToInput: false,
      hookName: "blocks.0.hook_resid_mid",
      hookNameOut: "blocks.0.hook_mlp_out",
      modelName: "google/gemma-2-2b",
      normalizeActivations: "none",
    });
  });

  it("reads every inference architecture", () => {
    const topk = readSaelensCfg(
      { ...savedBySaelens6, architecture: "topk", k: 32, rescale_acts_by_decoder_norm: true },
      "c",
    );
    expect(topk.spec.activation).toEqual({ kind: "topk", k: 32 });
    expect(topk.rescaleActsByDecoderNorm).toBe(true);
    const old = readSaelensCfg(
      { ...savedBySaelens2, activation_fn_str: "topk", activation_fn_kwargs: { k: 8 } },
      "c",
    );
    expect([old.architecture, old.spec.activation]).toEqual(["topk", { kind: "topk", k: 8 }]);
    for (const arch of ["jumprelu", "gated"]) {
      const c = readSaelensCfg({ ...savedBySaelens6, architecture: arch }, "c");
      expect([c.architecture, c.spec.activation]).toEqual([arch, { kind: "jumprelu", relu: true }]);
    }
    const tc = { ...savedBySaelens6, d_out: 768, apply_b_dec_to_input: false };
    const skip = readSaelensCfg({ ...tc, architecture: "jumprelu_skip_transcoder" }, "c").spec;
    expect([skip.kind, skip.skip, skip.activation]).toEqual([
      "transcoder",
      true,
      { kind: "jumprelu", relu: true },
    ]);
    const ln = readSaelensCfg({ ...savedBySaelens6, normalize_activations: "layer_norm" }, "c");
    expect(ln.spec.normalizeActivations).toBe("layer_norm");
  });

  it("refuses unknown architectures, and cross-layer and temporal ones by name", () => {
    expect(parseError({ ...savedBySaelens6, architecture: "topk" })).toBe(
      'cfg.json: field "k" is missing; expected a positive integer for a topk SAE',
    );
    expect(parseError({ ...savedBySaelens6, architecture: "temporal" })).toBe(
      'cfg.json: architecture "temporal" cannot be loaded: a temporal SAE reads a window of earlier tokens\' activations, not one site per token',
    );
    expect(parseError({ ...savedBySaelens6, architecture: "clt" })).toContain(
      "a cross-layer transcoder writes to every later layer",
    );
    expect(parseError({ ...savedBySaelens6, architecture: "mystery" })).toBe(
      'cfg.json: architecture "mystery" is not supported; supported: standard, topk, jumprelu, gated, transcoder, skip_transcoder, jumprelu_transcoder, jumprelu_skip_transcoder',
    );
    expect(parseError({ ...savedBySaelens2, activation_fn_str: "tanh-relu" })).toBe(
      'cfg.json: field "activation_fn_str" is "tanh-relu"; expected "relu" or "topk"',
    );
    expect(parseError({ ...savedBySaelens6, normalize_activations: "whiten" })).toBe(
      'cfg.json: field "normalize_activations" is "whiten"; expected "none", "expected_average_only_in", "constant_norm_rescale" or "layer_norm"',
    );
  });

  it("reads site and model names as unknown when a config leaves them out", () => {
    const spec = parseSaelensCfg(
      { architecture: "transcoder", d_in: 4, d_sae: 8, d_out: 3 },
      "cfg.json",
    );
    expect(spec).toMatchObject({
      hookName: "unknown",
      hookNameOut: "unknown",
      modelName: "unknown",
    });
    const sae = parseSaelensCfg(
      { ...savedBySaelens6, metadata: omit(savedBySaelens6.metadata, "hook_name") },
      "cfg.json",
    );
    expect(sae.hookName).toBe("unknown");
    expect(sae.hookNameOut).toBe("unknown");
  });

  it("names missing and ill-typed fields", () => {
    expect(
      parseError({ ...savedBySaelens6, metadata: { ...savedBySaelens6.metadata, hook_name: 7 } }),
    ).toBe('cfg.json: field "metadata.hook_name" is 7; expected a string');
    expect(parseError({ ...savedBySaelens6, d_in: "768" })).toBe(
      'cfg.json: field "d_in" is "768"; expected a positive integer',
    );
    expect(parseError(omit(savedBySaelens6, "d_sae"))).toBe(
      'cfg.json: field "d_sae" is missing; expected a positive integer',
    );
    expect(parseError(omit(savedBySaelens6, "architecture"))).toBe(
      'cfg.json: field "architecture" is missing; expected a string such as "standard"',
    );
    const tc = toSaelensCfg(transcoder);
    expect(parseError(omit(tc, "d_out"))).toBe(
      'cfg.json: field "d_out" is missing; expected a positive integer',
    );
    expect(parseError({ ...tc, apply_b_dec_to_input: true })).toBe(
      'cfg.json: field "apply_b_dec_to_input" is true; expected false for a transcoder',
    );
    const meta = tc.metadata as Record<string, unknown>;
    expect(parseError({ ...tc, metadata: { ...meta, hook_name_out: 3 } })).toBe(
      'cfg.json: field "metadata.hook_name_out" is 3; expected a string',
    );
    expect(parseError({ ...tc, metadata: { ...meta, prepend_bos: "yes" } })).toBe(
      'cfg.json: field "metadata.prepend_bos" is "yes"; expected a boolean',
    );
    expect(
      parseError({
        ...savedBySaelens6,
        metadata: { ...savedBySaelens6.metadata, hook_head_index: 2 },
      }),
    ).toBe(
      'cfg.json: field "metadata.hook_head_index" is 2; per-head dictionaries are not supported yet (expected null)',
    );
    expect(parseError({ ...savedBySaelens6, metadata: "x" })).toBe(
      'cfg.json: field "metadata" must be an object, found "x"',
    );
    expect(parseError([1])).toBe("cfg.json: expected a JSON object, found an array");
  });
});
