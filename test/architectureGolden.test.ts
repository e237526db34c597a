/**
 * The float64 reference of the modern architectures (src/engine/reference/architecture*.ts)
 * against an independent float64 PyTorch implementation (tools/torch_reference.py
 * --make-arch-fixtures): the same init, the same batches, every step's metrics, the weights,
 * the dead-latent counters and τ after the run, and the exported dictionary.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportDictionary } from "../src/engine/reference/architectureExport.ts";
import {
  initTrainerState,
  trainStep,
  type ArchStepResult,
} from "../src/engine/reference/architectureReference.ts";
import {
  architectureSpec,
  selectsOverBatch,
  type ArchitectureSpec,
  type ArchitectureSpecInput,
  type ArchParams,
} from "../src/engine/reference/architectureSpec.ts";
import {
  ARCHITECTURE_CASES as CASES,
  batchRows,
  caseHyperparameters,
  GOLDEN as fixtures,
  readCase,
  readJsonLines,
  readTensors,
  relativeError,
  tensor,
  type Case,
} from "./architectureFixtures.ts";

// Float64 on both sides, with the same discrete choices: only summation orders differ, and
// the runs agree to ~1e-15.
const TOL = 1e-12;

function specOf(c: Case): ArchitectureSpec {
  const input: Record<string, unknown> = {
    kind: c.kind,
    architecture: c.architecture,
    dIn: c.d_in,
    dSae: c.d_sae,
    dOut: c.d_out,
    applyBDecToInput: c.apply_b_dec_to_input,
    deadFeatureWindow: c.dead_feature_window,
    skip: c.skip,
    ...caseHyperparameters(c),
  };
  return architectureSpec(input as unknown as ArchitectureSpecInput);
}

/** Training parameters from SAELens checkpoint tensors (threshold → log_threshold). */
function paramsOf(t: Map<string, Float64Array>, s: ArchitectureSpec): ArchParams {
  const p: ArchParams = {
    wEnc: tensor(t, "W_enc"),
    bEnc: tensor(t, "b_enc"),
    wDec: tensor(t, "W_dec"),
    bDec: tensor(t, "b_dec"),
  };
  if (s.architecture === "jumprelu") p.logThreshold = tensor(t, "threshold").map(Math.log);
  if (s.skip) p.wSkip = tensor(t, "W_skip");
  return p;
}

/** The value the TS step reports under a metrics.jsonl key. */
function metricOf(out: ArchStepResult, key: string, tau: number): number {
  if (key in out.losses) return out.losses[key as keyof ArchStepResult["losses"]]!;
  const named: Record<string, number> = {
    loss: out.loss,
    l0: out.l0,
    explained_variance: out.explainedVariance,
    dead_features: out.deadFeatures,
    grad_norm: out.gradNorm,
    topk_threshold: tau,
  };
  if (!(key in named)) throw new Error(`unknown metric ${key}`);
  return named[key]!;
}

/** One metrics.jsonl line: counts exactly, everything else to TOL. */
function expectMetrics(out: ArchStepResult, tau: number, ref: Record<string, number>): void {
  for (const [key, want] of Object.entries(ref)) {
    if (key === "step") continue;
    const got = metricOf(out, key, tau);
    const what = `step ${ref.step} ${key}`;
    if (key === "l0" || key === "dead_features") expect(got, what).toBe(want);
    else expect(Math.abs(got - want), what).toBeLessThan(TOL * Math.max(1, Math.abs(want)));
  }
}

describe("the architecture references agree with PyTorch float64 (golden fixtures)", () => {
  for (const name of CASES) {
    it(name, () => {
      const dir = join(fixtures, name);
      const c = readCase(name);
      const s = specOf(c);
      const acts = readTensors(join(dir, "acts.safetensors"));
      const x = tensor(acts, "x");
      const y = s.kind === "sae" ? x : tensor(acts, "y");
      const init = readTensors(join(dir, "init", "sae_weights.safetensors"));
      const p = paramsOf(init, s);
      const state = initTrainerState(s);
      state.topkThreshold = init.get("topk_threshold")?.[0] ?? 0;

      const B = c.batch as number;
      const reference = readJsonLines(join(dir, "expected", "metrics.jsonl"));
      expect(reference).toHaveLength(c.steps as number);
      let deadSteps = 0;
      for (let step = 0; step < reference.length; step++) {
        const xb = batchRows(x, s.dIn, step, B);
        const yb = s.kind === "sae" ? xb : batchRows(y, s.dOut, step, B);
        const out = trainStep(s, p, state, xb, yb, B, c.lr as number);
        expectMetrics(out, state.topkThreshold, reference[step]!);
        if (out.deadFeatures > 0) deadSteps++;
      }
      // Latents die in every case: AuxK and jumprelu_sae's pre-activation loss act on them.
      expect(deadSteps).toBeGreaterThan(4);

      const expected = readTensors(join(dir, "expected", "sae_weights.safetensors"));
      const want = paramsOf(expected, s);
      for (const key of Object.keys(want) as (keyof ArchParams)[]) {
        expect(relativeError(p[key]!, want[key]!), `${name} ${key}`).toBeLessThan(TOL);
      }
      const trainer = JSON.parse(
        readFileSync(join(dir, "expected", "trainer_state.json"), "utf8"),
      ) as {
        n_forward_passes_since_fired: number[];
        topk_threshold: number;
      };
      expect(Array.from(state.nForwardPassesSinceFired)).toEqual(
        trainer.n_forward_passes_since_fired,
      );
      expect(Math.abs(state.topkThreshold - trainer.topk_threshold)).toBeLessThanOrEqual(
        TOL * trainer.topk_threshold,
      );
      if (selectsOverBatch(s)) {
        expect(state.topkThreshold).toBeGreaterThan(0);
        expect(tensor(expected, "topk_threshold")[0]).toBe(trainer.topk_threshold);
      }

      // The saved dictionary: float32 on both sides, so equal up to the last bit's rounding.
      const exported = exportDictionary(s, p, state);
      const saved = readTensors(join(dir, "exported", "sae_weights.safetensors"));
      const mine: Record<string, Float32Array | undefined> = {
        W_enc: exported.params.wEnc,
        b_enc: exported.params.bEnc,
        W_dec: exported.params.wDec,
        b_dec: exported.params.bDec,
        threshold: exported.params.threshold,
        W_skip: exported.params.wSkip,
      };
      expect(
        Object.keys(mine)
          .filter((k) => mine[k] !== undefined)
          .sort(),
      ).toEqual([...saved.keys()].sort());
      for (const [key, t] of saved)
        expect(relativeError(mine[key]!, t), `exported ${key}`).toBeLessThan(1e-7);
    });
  }

  it("the float32 PyTorch runs make the same discrete choices as the float64 runs", () => {
    for (const name of CASES) {
      const f64 = readJsonLines(join(fixtures, name, "expected", "metrics.jsonl"));
      const f32 = readJsonLines(join(fixtures, name, "expected_float32", "metrics.jsonl"));
      expect(f32.map((m) => [m.l0, m.dead_features])).toEqual(
        f64.map((m) => [m.l0, m.dead_features]),
      );
    }
  });
});
