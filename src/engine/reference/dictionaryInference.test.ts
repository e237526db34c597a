import { describe, expect, it } from "vitest";
import { seededRandom } from "../dictionary/init.ts";
import { RELU, type DictionaryParams, type DictionarySpec } from "../dictionary/spec.ts";
import { inferenceReference, LAYER_NORM_EPS } from "./dictionaryInference.ts";

const D_IN = 6;
const D_SAE = 10;
const ROWS = 4;

function uniform(rand: () => number, n: number, scale: number, offset = 0): Float64Array {
  return Float64Array.from({ length: n }, () => offset + (rand() * 2 - 1) * scale);
}

type Norm = "layer_norm" | "constant_norm_rescale";

/**
 * SAELens 6.18's forward, written out from sae.py (_setup_activation_normalization,
 * process_sae_in, decode) and transcoder.py (process_sae_in, decode): the input is normalised
 * per token; an SAE then subtracts b_dec and maps its reconstruction back with
 * run_time_activation_norm_fn_out; a Transcoder has no run_time_activation_norm_fn_out.
 */
function saelensForward(
  kind: "sae" | "transcoder",
  norm: Norm,
  p: DictionaryParams,
  x: Float64Array,
  mapBack = kind === "sae",
) {
  const dOut = p.bDec.length;
  const out = new Float64Array(ROWS * dOut);
  for (let r = 0; r < ROWS; r++) {
    let row = Array.from(x.subarray(r * D_IN, (r + 1) * D_IN));
    let unnorm: (y: number) => number;
    if (norm === "layer_norm") {
      const mu = row.reduce((a, b) => a + b, 0) / D_IN;
      row = row.map((v) => v - mu);
      const std = Math.sqrt(row.reduce((a, b) => a + b * b, 0) / (D_IN - 1)); // torch.std
      row = row.map((v) => v / (std + LAYER_NORM_EPS));
      unnorm = (y) => y * std + mu;
    } else {
      const coeff = Math.sqrt(D_IN) / Math.hypot(...row);
      row = row.map((v) => v * coeff);
      unnorm = (y) => y / coeff;
    }
    if (kind === "sae") row = row.map((v, k) => v - p.bDec[k]!);
    const f = Array.from({ length: D_SAE }, (_, j) => {
      let pre = p.bEnc[j]!;
      for (let k = 0; k < D_IN; k++) pre += row[k]! * p.wEnc[k * D_SAE + j]!;
      return Math.max(0, pre);
    });
    for (let o = 0; o < dOut; o++) {
      let y = p.bDec[o]!;
      for (let j = 0; j < D_SAE; j++) y += f[j]! * p.wDec[j * dOut + o]!;
      out[r * dOut + o] = mapBack ? unnorm(y) : y;
    }
  }
  return out;
}

describe("inferenceReference normalises as SAELens does", () => {
  const rand = seededRandom(5);
  // Rows far from mean 0 and std 1, so that mapping back changes the output.
  const x = uniform(rand, ROWS * D_IN, 3, 2);
  for (const kind of ["sae", "transcoder"] as const) {
    for (const norm of ["layer_norm", "constant_norm_rescale"] as const) {
      it(`${kind}, ${norm}`, () => {
        const dOut = kind === "sae" ? D_IN : 4;
        const spec: DictionarySpec = {
          kind,
          dIn: D_IN,
          dSae: D_SAE,
          dOut,
          applyBDecToInput: kind === "sae",
          hookName: "h",
          hookNameOut: "h",
          modelName: "test",
          normalizeActivations: norm,
          activation: RELU,
        };
        const params: DictionaryParams = {
          wEnc: Float32Array.from(uniform(rand, D_IN * D_SAE, 0.6)),
          bEnc: Float32Array.from(uniform(rand, D_SAE, 0.3)),
          wDec: Float32Array.from(uniform(rand, D_SAE * dOut, 0.6)),
          bDec: Float32Array.from(uniform(rand, dOut, 0.5)),
        };
        const got = inferenceReference(spec, params, x, ROWS).output;
        const want = saelensForward(kind, norm, params, x);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 12);
        if (kind === "transcoder") {
          // Not the output mapped back with the input's statistics: that differs here.
          const mappedBack = saelensForward(kind, norm, params, x, true);
          expect(mappedBack.some((v, i) => Math.abs(v - want[i]!) > 0.1)).toBe(true);
        }
      });
    }
  }
});
