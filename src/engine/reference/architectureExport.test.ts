/**
 * The exported dictionary, run by the inference reference, gives the training forward's
 * latents (in hidden_pre's space, which folding makes the exported pre-activations) and output.
 */
import { describe, expect, it } from "vitest";
import type { DictionarySpec } from "../dictionary/spec.ts";
import { exportDictionary, type ExportedDictionary } from "./architectureExport.ts";
import { forward } from "./architectureForward.ts";
import { architectureSpec, type ArchitectureSpecInput } from "./architectureSpec.ts";
import { drawProblem, scaledError } from "./architectureTestUtils.ts";
import { inferenceReference } from "./dictionaryInference.ts";

const SAE = { kind: "sae", dIn: 8, dSae: 16, dOut: 8, applyBDecToInput: true } as const;
const TRANSCODER = {
  kind: "transcoder",
  dIn: 7,
  dSae: 16,
  dOut: 5,
  applyBDecToInput: false,
} as const;
const ROWS = 24;
// The export is float32: latents and outputs agree to float32 rounding of the weights.
const TOL = 1e-5;

function asDictionarySpec(e: ExportedDictionary): DictionarySpec {
  return {
    ...e.spec,
    hookName: "h",
    hookNameOut: "h",
    modelName: "m",
    normalizeActivations: "none",
  };
}

const cases: { name: string; spec: ArchitectureSpecInput; cfg: string }[] = [
  { name: "topk SAE", spec: { ...SAE, architecture: "topk", k: 4 }, cfg: "topk" },
  {
    name: "topk SAE, not rescaled (nothing to fold)",
    spec: { ...SAE, architecture: "topk", k: 4, rescaleActsByDecoderNorm: false },
    cfg: "topk",
  },
  {
    name: "topk skip transcoder",
    spec: { ...TRANSCODER, architecture: "topk", k: 3, skip: true },
    cfg: "topk",
  },
  { name: "batchtopk SAE", spec: { ...SAE, architecture: "batchtopk", k: 4 }, cfg: "jumprelu" },
  {
    name: "batchtopk transcoder",
    spec: { ...TRANSCODER, architecture: "batchtopk", k: 3 },
    cfg: "jumprelu",
  },
  { name: "jumprelu SAE", spec: { ...SAE, architecture: "jumprelu" }, cfg: "jumprelu" },
  {
    name: "jumprelu skip transcoder",
    spec: { ...TRANSCODER, architecture: "jumprelu", skip: true },
    cfg: "jumprelu",
  },
];

describe("exportDictionary: the saved dictionary computes what training computed", () => {
  cases.forEach((c, i) => {
    it(c.name, () => {
      const s = architectureSpec(c.spec);
      const { params: p, x, y } = drawProblem(s, ROWS, 500 + i);
      const dead = new Uint8Array(s.dSae);
      // τ in the middle of the positive hidden_pre, so about half of them pass.
      const positive = forward(s, p, x, y, ROWS, { deadMask: dead })
        .hiddenPre.filter((v) => v > 0)
        .sort();
      const tau = positive[Math.floor(positive.length / 2)]!;
      const fw = forward(s, p, x, y, ROWS, {
        deadMask: dead,
        ...(s.architecture === "batchtopk" ? { topkThreshold: tau } : {}),
      });
      const exported = exportDictionary(s, p, { topkThreshold: tau });
      expect(exported.spec.activation!.kind).toBe(c.cfg);
      expect(exported.spec.skip).toBe(s.skip);
      const inf = inferenceReference(asDictionarySpec(exported), exported.params, x, ROWS);
      expect(fw.l0).toBeGreaterThan(1);
      expect(scaledError(inf.latents, fw.featureActs)).toBeLessThan(TOL);
      expect(scaledError(inf.output, fw.saeOut)).toBeLessThan(TOL);

      if (s.rescaleActsByDecoderNorm && s.architecture !== "jumprelu") {
        // Without the fold the latents are off by the decoder norms.
        const unfolded = exportDictionary({ ...s, rescaleActsByDecoderNorm: false }, p, {
          topkThreshold: tau,
        });
        const raw = inferenceReference(asDictionarySpec(unfolded), unfolded.params, x, ROWS);
        expect(scaledError(raw.latents, fw.featureActs)).toBeGreaterThan(1e-2);
        // Folded decoder rows have unit norm.
        for (let j = 0; j < s.dSae; j++) {
          const row = exported.params.wDec.subarray(j * s.dOut, (j + 1) * s.dOut);
          expect(Math.hypot(...row)).toBeCloseTo(1, 6);
        }
      }
    });
  });

  it("jumprelu: threshold = exp(log_threshold); SAE keeps its b_dec shift, a transcoder has none", () => {
    const s = architectureSpec({ ...SAE, architecture: "jumprelu" });
    const { params: p } = drawProblem(s, 1, 9);
    const e = exportDictionary(s, p, { topkThreshold: 0 });
    expect(Array.from(e.params.threshold!)).toEqual(
      Array.from(p.logThreshold!, (v) => Math.fround(Math.exp(v))),
    );
    expect(e.spec.applyBDecToInput).toBe(true);
    expect(e.params.wSkip).toBeUndefined();
    const t = architectureSpec({ ...TRANSCODER, architecture: "topk", k: 2, skip: true });
    const tp = drawProblem(t, 1, 9).params;
    const te = exportDictionary(t, tp, { topkThreshold: 0 });
    expect(te.spec).toMatchObject({ kind: "transcoder", applyBDecToInput: false, skip: true });
    expect(te.spec.activation).toEqual({ kind: "topk", k: 2 });
    expect(Array.from(te.params.wSkip!)).toEqual(Array.from(tp.wSkip!, Math.fround));
  });
});
