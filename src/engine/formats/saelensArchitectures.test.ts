/**
 * Every SAELens inference architecture, loaded into the one Dictionary form, gives the
 * latents and outputs that the architecture's own forward pass (written out here, as
 * SAELens 6 computes it) gives on the same weights.
 */
import { describe, expect, it } from "vitest";
import { inferenceReference, LAYER_NORM_EPS } from "../reference/dictionaryInference.ts";
import { bytesByteSource } from "./byteSource.ts";
import { readSaelensCfg, readSaelensWeights } from "./saelens.ts";
import { openSafetensors, writeSafetensors } from "./safetensors.ts";

const D_IN = 6;
const D_SAE = 10;
const ROWS = 5;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const rand = rng(7);
const randoms = (n: number, scale = 1) =>
  Float32Array.from({ length: n }, () => rand() * 2 * scale);

type Tensors = Record<string, { shape: number[]; data: Float32Array }>;

async function load(cfg: object, tensors: Tensors) {
  const bytes = writeSafetensors(
    Object.entries(tensors).map(([name, t]) => ({ name, dtype: "F32" as const, ...t })),
  );
  const parsed = readSaelensCfg(cfg, "cfg.json");
  const file = await openSafetensors(bytesByteSource(bytes, "sae_weights.safetensors"));
  return readSaelensWeights(file, parsed);
}

const dot = (
  x: Float32Array | Float64Array,
  r: number,
  w: Float32Array,
  col: number,
  n: number,
) => {
  let t = 0;
  for (let k = 0; k < D_IN; k++) t += x[r * D_IN + k]! * w[k * n + col]!;
  return t;
};

/** Own-semantics forward: `latent(r, i, pre)` → f; then decode with `decode`. */
function expectMatches(
  loaded: Awaited<ReturnType<typeof load>>,
  x: Float32Array,
  expected: { latents: number[]; outputs: number[] },
) {
  const got = inferenceReference(loaded.spec, loaded.params, x, ROWS);
  expect(got.latents.length).toBe(expected.latents.length);
  got.latents.forEach((v, i) => expect(v).toBeCloseTo(expected.latents[i]!, 5));
  got.output.forEach((v, i) => expect(v).toBeCloseTo(expected.outputs[i]!, 5));
  // Not vacuous: some latents fire and some do not.
  expect(got.latents.some((v) => v > 0)).toBe(true);
  expect(got.latents.some((v) => v === 0)).toBe(true);
}

const base = {
  d_in: D_IN,
  d_sae: D_SAE,
  dtype: "float32",
  apply_b_dec_to_input: true,
  normalize_activations: "none",
  metadata: {
    sae_lens_version: "6.18.0",
    model_name: "gpt2",
    hook_name: "blocks.1.hook_resid_pre",
  },
};

const x = randoms(ROWS * D_IN, 2);
const wEnc = randoms(D_IN * D_SAE);
const bEnc = randoms(D_SAE, 0.3);
const wDec = randoms(D_SAE * D_IN);
const bDec = randoms(D_IN, 0.5);
const common: Tensors = {
  W_enc: { shape: [D_IN, D_SAE], data: wEnc },
  b_enc: { shape: [D_SAE], data: bEnc },
  W_dec: { shape: [D_SAE, D_IN], data: wDec },
  b_dec: { shape: [D_IN], data: bDec },
};

/** f [ROWS, D_SAE] → f @ W_dec / norms + b_dec, mapped by `out(r, d, y)`. */
function decode(
  f: number[],
  rowScale: (i: number) => number = () => 1,
  out: (r: number, d: number, y: number) => number = (_r, _d, y) => y,
): number[] {
  const y: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let d = 0; d < D_IN; d++) {
      let t = bDec[d]!;
      for (let i = 0; i < D_SAE; i++) t += (f[r * D_SAE + i]! / rowScale(i)) * wDec[i * D_IN + d]!;
      y.push(out(r, d, t));
    }
  }
  return y;
}

function shifted(input: Float32Array | Float64Array, shift = true): Float64Array {
  return Float64Array.from(input, (v, j) => v - (shift ? bDec[j % D_IN]! : 0));
}

describe("SAELens architectures load into the one Dictionary form", () => {
  it("standard", async () => {
    const xs = shifted(x);
    const f: number[] = [];
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < D_SAE; i++) f.push(Math.max(0, dot(xs, r, wEnc, i, D_SAE) + bEnc[i]!));
    }
    expectMatches(await load({ ...base, architecture: "standard" }, common), x, {
      latents: f,
      outputs: decode(f),
    });
  });

  it("topk with rescale_acts_by_decoder_norm: the norms are folded exactly", async () => {
    const k = 3;
    const norms = Array.from({ length: D_SAE }, (_, i) =>
      Math.hypot(...wDec.subarray(i * D_IN, (i + 1) * D_IN)),
    );
    const xs = shifted(x);
    const f: number[] = [];
    for (let r = 0; r < ROWS; r++) {
      const pre = Array.from(
        { length: D_SAE },
        (_, i) => (dot(xs, r, wEnc, i, D_SAE) + bEnc[i]!) * norms[i]!,
      );
      const kth = [...pre].sort((a, b) => b - a)[k - 1]!;
      f.push(...pre.map((p) => (p >= kth ? Math.max(0, p) : 0)));
    }
    const cfg = { ...base, architecture: "topk", k, rescale_acts_by_decoder_norm: true };
    const loaded = await load(cfg, common);
    expect(loaded.spec.activation).toEqual({ kind: "topk", k });
    const got = inferenceReference(loaded.spec, loaded.params, x, ROWS);
    // The folded latents are the rescaled ones; the outputs divide them back by the norms.
    got.latents.forEach((v, i) => expect(v).toBeCloseTo(f[i]!, 5));
    const outputs = decode(f, (i) => norms[i]!);
    got.output.forEach((v, i) => expect(v).toBeCloseTo(outputs[i]!, 5));
    for (let r = 0; r < ROWS; r++) {
      expect(got.latents.subarray(r * D_SAE, (r + 1) * D_SAE).filter((v) => v > 0).length).toBe(k);
    }
  });

  it("jumprelu", async () => {
    const threshold = Float32Array.from({ length: D_SAE }, (_, i) => 0.1 * (i % 4));
    const xs = shifted(x);
    const f: number[] = [];
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < D_SAE; i++) {
        const p = dot(xs, r, wEnc, i, D_SAE) + bEnc[i]!;
        f.push(p > threshold[i]! ? Math.max(0, p) : 0);
      }
    }
    const tensors = { ...common, threshold: { shape: [D_SAE], data: threshold } };
    expectMatches(await load({ ...base, architecture: "jumprelu" }, tensors), x, {
      latents: f,
      outputs: decode(f),
    });
  });

  it("gated converts exactly to JumpReLU", async () => {
    const bGate = randoms(D_SAE, 0.5);
    const bMag = randoms(D_SAE, 0.5);
    const rMag = randoms(D_SAE, 0.8);
    const xs = shifted(x);
    const f: number[] = [];
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < D_SAE; i++) {
        const w = dot(xs, r, wEnc, i, D_SAE);
        const gate = w + bGate[i]! > 0;
        f.push(gate ? Math.max(0, w * Math.exp(rMag[i]!) + bMag[i]!) : 0);
      }
    }
    const { b_enc: _unused, ...noBEnc } = common;
    void _unused;
    const tensors = {
      ...noBEnc,
      b_gate: { shape: [D_SAE], data: bGate },
      b_mag: { shape: [D_SAE], data: bMag },
      r_mag: { shape: [D_SAE], data: rMag },
    };
    const loaded = await load({ ...base, architecture: "gated" }, tensors);
    expect(loaded.params.threshold).toBeDefined();
    expectMatches(loaded, x, { latents: f, outputs: decode(f) });
  });

  it("skip transcoders: no input shift, W_skip on the raw input", async () => {
    const wSkip = randoms(D_IN * D_IN, 0.3);
    const threshold = Float32Array.from({ length: D_SAE }, () => 0.2);
    const f: number[] = [];
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < D_SAE; i++) {
        const p = dot(x, r, wEnc, i, D_SAE) + bEnc[i]!;
        f.push(p > 0.2 ? p : 0);
      }
    }
    const skip = (r: number, d: number, y: number) => {
      let t = y;
      for (let k = 0; k < D_IN; k++) t += x[r * D_IN + k]! * wSkip[d * D_IN + k]!;
      return t;
    };
    const cfg = {
      ...base,
      architecture: "jumprelu_skip_transcoder",
      d_out: D_IN,
      apply_b_dec_to_input: false,
      metadata: { ...base.metadata, hook_name_out: "blocks.1.hook_mlp_out" },
    };
    const tensors = {
      ...common,
      threshold: { shape: [D_SAE], data: threshold },
      W_skip: { shape: [D_IN, D_IN], data: wSkip },
    };
    expectMatches(await load(cfg, tensors), x, { latents: f, outputs: decode(f, undefined, skip) });
  });

  it("layer_norm, constant_norm_rescale and a known expected_average_only_in scale", async () => {
    const stats = (r: number) => {
      const row = Array.from(x.subarray(r * D_IN, (r + 1) * D_IN));
      const mu = row.reduce((a, b) => a + b, 0) / D_IN;
      const std = Math.sqrt(row.reduce((a, b) => a + (b - mu) ** 2, 0) / (D_IN - 1));
      return { mu, std, norm: Math.hypot(...row) };
    };
    const cases: [object, (r: number, v: number) => number, (r: number, y: number) => number][] = [
      [
        { normalize_activations: "layer_norm" },
        (r, v) => (v - stats(r).mu) / (stats(r).std + LAYER_NORM_EPS),
        (r, y) => y * stats(r).std + stats(r).mu,
      ],
      [
        { normalize_activations: "constant_norm_rescale" },
        (r, v) => (v * Math.sqrt(D_IN)) / stats(r).norm,
        (r, y) => (y * stats(r).norm) / Math.sqrt(D_IN),
      ],
      [
        {
          normalize_activations: "expected_average_only_in",
          metadata: { ...base.metadata, norm_scaling_factor: 2.5 },
        },
        (_r, v) => v * 2.5,
        (_r, y) => y / 2.5,
      ],
    ];
    for (const [over, norm, unnorm] of cases) {
      const xn = Float64Array.from(x, (v, j) => norm(Math.floor(j / D_IN), v));
      const xs = shifted(xn);
      const f: number[] = [];
      for (let r = 0; r < ROWS; r++) {
        for (let i = 0; i < D_SAE; i++) {
          f.push(Math.max(0, dot(xs, r, wEnc, i, D_SAE) + bEnc[i]!));
        }
      }
      const loaded = await load({ ...base, architecture: "standard", ...over }, common);
      expectMatches(loaded, x, {
        latents: f,
        outputs: decode(f, undefined, (r, _d, y) => unnorm(r, y)),
      });
    }
  });

  it("keeps expected_average_only_in when the folder lacks the scale", async () => {
    const cfg = {
      ...base,
      architecture: "standard",
      normalize_activations: "expected_average_only_in",
    };
    const loaded = await load(cfg, common);
    expect(loaded.spec.normalizeActivations).toBe("expected_average_only_in");
    expect(Array.from(loaded.params.wEnc)).toEqual(Array.from(wEnc));
  });
});
