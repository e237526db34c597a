/**
 * What a run saves computes what it trained: the exported dictionary (decoder norms and
 * activation scales folded in, BatchTopK's τ as a JumpReLU threshold) on raw activations,
 * through the float64 inference reference, against the float64 training forward on the
 * normalised activations, mapped back.
 */
import { describe, expect, it } from "vitest";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { forward } from "../reference/architectureForward.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import {
  architectureSpec,
  type ArchitectureSpecInput,
  type ArchParams,
} from "../reference/architectureSpec.ts";
import { drawProblem, scaledError } from "../reference/architectureTestUtils.ts";
import { architectureOptions, exportedActivation } from "./architecture.ts";
import { exportTrained } from "./trainedExport.ts";

const S_IN = 1.7;
/** A transcoder's target scale (an SAE's is S_IN: the same activation). */
const S_OUT = 0.6;
const ROWS = 9;

const CASES: ArchitectureSpecInput[] = [
  { kind: "sae", dIn: 6, dSae: 20, dOut: 6, applyBDecToInput: true, architecture: "topk", k: 3 },
  {
    kind: "transcoder",
    dIn: 6,
    dSae: 20,
    dOut: 5,
    applyBDecToInput: false,
    architecture: "topk",
    k: 4,
    skip: true,
  },
  { kind: "sae", dIn: 6, dSae: 20, dOut: 6, applyBDecToInput: true, architecture: "batchtopk" },
  {
    kind: "transcoder",
    dIn: 6,
    dSae: 20,
    dOut: 5,
    applyBDecToInput: false,
    architecture: "jumprelu",
    skip: true,
  },
];

describe("exportTrained", () => {
  for (const input of CASES) {
    it(`${input.architecture} ${input.kind}${input.skip ? " with a skip" : ""}`, () => {
      const s = architectureSpec(input);
      const { architecture, k } = s;
      const a = architectureOptions({ architecture, k });
      const sOut = s.kind === "sae" ? S_IN : S_OUT;
      const { params, x } = drawProblem(s, ROWS, 3);
      const tau = 0.4;
      const y = new Float64Array(ROWS * s.dOut);
      const xNorm = x.map((v) => v * S_IN);
      const dead = new Uint8Array(s.dSae);
      const trained = forward(s, params, xNorm, y, ROWS, {
        deadMask: dead,
        ...(architecture === "batchtopk" ? { topkThreshold: tau } : {}),
      });
      const p32 = toDictionaryParams(
        params,
        architecture === "batchtopk" ? tau : undefined,
        s.dSae,
      );
      const spec: DictionarySpec = {
        kind: s.kind,
        dIn: s.dIn,
        dSae: s.dSae,
        dOut: s.dOut,
        applyBDecToInput: s.applyBDecToInput,
        hookName: "in",
        hookNameOut: "out",
        modelName: "test",
        normalizeActivations: "none",
        activation: exportedActivation(a),
        skip: s.skip,
      };
      const saved = exportTrained(spec, a, p32, S_IN, sOut);
      const raw = inferenceReference(spec, saved, x, ROWS);
      const want = trained.saeOut.map((v) => v / sOut);
      expect(scaledError(raw.output, want)).toBeLessThan(1e-6);
      // The latents are SAELens's feature_acts: in pre·‖W_dec[j]‖'s space for the TopK family.
      expect(scaledError(raw.latents, trained.featureActs)).toBeLessThan(1e-6);
      expect(trained.l0).toBeGreaterThan(0);
    });
  }
});

/** The trainer's float32 parameters (BatchTopK's τ as every latent's threshold). */
function toDictionaryParams(
  p: ArchParams,
  tau: number | undefined,
  dSae: number,
): DictionaryParams {
  const out: DictionaryParams = {
    wEnc: Float32Array.from(p.wEnc),
    bEnc: Float32Array.from(p.bEnc),
    wDec: Float32Array.from(p.wDec),
    bDec: Float32Array.from(p.bDec),
  };
  if (p.logThreshold) out.threshold = Float32Array.from(p.logThreshold, Math.exp);
  if (tau !== undefined) out.threshold = new Float32Array(dSae).fill(tau);
  if (p.wSkip) out.wSkip = Float32Array.from(p.wSkip);
  return out;
}
