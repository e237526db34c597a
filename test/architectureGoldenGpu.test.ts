/**
 * The GPU trainer of the modern architectures against PyTorch (tools/torch_reference.py
 * --make-arch-fixtures): from each golden case's init/ checkpoint, the same 50 batches as the
 * float64 run, every step's metrics, then the weights against the float32 run, the dead-latent
 * counters and τ exactly or to float32's precision, and the folder `npm run train` saves against
 * SAELens's exported/ (read back with the loader npm run eval uses).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saveDictionaryRun } from "../src/cli/runOutputs.ts";
import type { DictionaryParams, DictionarySpec } from "../src/engine/dictionary/spec.ts";
import {
  architectureOptions,
  exportedActivation,
  selectsOverBatch,
  type ArchitectureName,
  type ArchitectureOptions,
} from "../src/engine/train/architecture.ts";
import { GpuDictionary } from "../src/engine/train/gpuDictionary.ts";
import type { TrainingMetrics } from "../src/engine/train/metrics.ts";
import { DictionaryTrainer } from "../src/engine/train/trainer.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { loadSaelensFolder } from "../src/node/saelensFolder.ts";
import { testDevice } from "../src/node/testDevice.ts";
import {
  ARCHITECTURE_CASES,
  batchRows,
  caseHyperparameters,
  GOLDEN,
  readCase,
  readJsonLines,
  readTensors,
  relativeError,
  tensor,
} from "./architectureFixtures.ts";

const outRoot = mkdtempSync(join(tmpdir(), "arch-golden-"));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

/**
 * Float32 against float64 (PyTorch's own float32 run differs from its float64 run by < 5e-7 in
 * every metric and ~3e-7 in the weights): per-step metrics and the final weights to 1e-5
 * relative (observed: at most 1e-6); the discrete choices (L0, dead latents, counters) exactly.
 */
const TOL = 1e-5;

const f32 = (a: Float64Array) => Float32Array.from(a);

const TENSORS: [string, keyof DictionaryParams][] = [
  ["W_enc", "wEnc"],
  ["b_enc", "bEnc"],
  ["W_dec", "wDec"],
  ["b_dec", "bDec"],
  ["threshold", "threshold"],
  ["W_skip", "wSkip"],
];

/** SAELens training checkpoint tensors as the trainer's parameters (τ as every latent's threshold). */
function paramsOf(t: Map<string, Float64Array>, dSae: number): DictionaryParams {
  const p: DictionaryParams = {
    wEnc: f32(tensor(t, "W_enc")),
    bEnc: f32(tensor(t, "b_enc")),
    wDec: f32(tensor(t, "W_dec")),
    bDec: f32(tensor(t, "b_dec")),
  };
  if (t.has("threshold")) p.threshold = f32(tensor(t, "threshold"));
  if (t.has("topk_threshold")) {
    p.threshold = new Float32Array(dSae).fill(tensor(t, "topk_threshold")[0]!);
  }
  if (t.has("W_skip")) p.wSkip = f32(tensor(t, "W_skip"));
  return p;
}

/** The value the GPU trainer logs under a metrics.jsonl key of the fixture. */
function logged(m: TrainingMetrics, key: string): number | undefined {
  return (m as unknown as Record<string, number | undefined>)[key];
}

describe("the GPU trainer agrees with PyTorch on the golden architecture cases (50 steps)", () => {
  for (const name of ARCHITECTURE_CASES) {
    it(name, async () => {
      const c = readCase(name);
      const dir = join(GOLDEN, name);
      const a: ArchitectureOptions = architectureOptions({
        architecture: c.architecture as ArchitectureName,
        ...caseHyperparameters(c),
      });
      const initCfg = JSON.parse(readFileSync(join(dir, "init", "cfg.json"), "utf8")) as {
        metadata: Record<string, string>;
      };
      const dSae = c.d_sae as number;
      const spec: DictionarySpec = {
        kind: c.kind as DictionarySpec["kind"],
        dIn: c.d_in as number,
        dSae,
        dOut: c.d_out as number,
        applyBDecToInput: c.apply_b_dec_to_input as boolean,
        hookName: initCfg.metadata.hook_name!,
        hookNameOut: initCfg.metadata.hook_name_out ?? initCfg.metadata.hook_name!,
        modelName: initCfg.metadata.model_name!,
        normalizeActivations: "none",
        contextSize: 128,
        prependBos: false,
        datasetPath: "fixture",
        ...(c.architecture === "standard" ? {} : { activation: exportedActivation(a) }),
        ...(c.skip ? { skip: true } : {}),
      };
      const B = c.batch as number;
      const steps = c.steps as number;
      const window = c.dead_feature_window as number;
      const { device } = await testDevice();
      const gpu = new GpuDictionary(device, loadNodeShaders(), spec, B, a);
      gpu.setParams(paramsOf(readTensors(join(dir, "init", "sae_weights.safetensors")), dSae));
      gpu.resetOptimizer();
      const trainer = new DictionaryTrainer(gpu, {
        schedule: {
          totalSteps: steps,
          lr: c.lr as number,
          lrWarmUpSteps: 0,
          lrDecaySteps: 0,
          l1Coefficient: 0,
          l1WarmUpSteps: 0,
        },
        logEvery: 1,
        deadFeatureWindow: window,
        densityWindow: 0,
        sIn: 1,
        sOut: 1,
      });
      const acts = readTensors(join(dir, "acts.safetensors"));
      const reference = readJsonLines(join(dir, "expected", "metrics.jsonl"));
      const state = JSON.parse(
        readFileSync(join(dir, "expected", "trainer_state.json"), "utf8"),
      ) as { n_forward_passes_since_fired: number[]; topk_threshold: number };
      const counters = state.n_forward_passes_since_fired;
      const deadAtEnd = counters.filter((n) => n > window).length;
      const worst: Record<string, number> = {};
      for (let step = 0; step < steps; step++) {
        const x = batchRows(tensor(acts, "x"), spec.dIn, step, B);
        const y =
          spec.kind === "sae" ? undefined : batchRows(tensor(acts, "y"), spec.dOut, step, B);
        const m = (await trainer.step(f32(x), y && f32(y)))!;
        const ref = reference[step]!;
        const what = (key: string) => `${name} step ${step + 1} ${key}`;
        expect(m.l0, what("l0")).toBe(ref.l0);
        // Logged after this step's counter update, as SAELens logs it: the mask the next step's
        // loss uses, which is what the fixture records for that step.
        const deadNext = reference[step + 1]?.dead_features ?? deadAtEnd;
        expect(m.dead_features, what("dead_features")).toBe(deadNext);
        for (const [key, want] of Object.entries(ref)) {
          if (["step", "l0", "dead_features"].includes(key)) continue;
          const got = logged(m, key);
          expect(got, what(key)).toBeDefined();
          const err = Math.abs(got! - want) / Math.max(1, Math.abs(want));
          worst[key] = Math.max(worst[key] ?? 0, err);
          expect(err, what(key)).toBeLessThan(TOL);
        }
      }
      expect(Object.keys(worst).length).toBeGreaterThan(4);

      const gpuState = await gpu.readState();
      expect(Array.from(gpuState.firing.subarray(0, dSae)), "counters").toEqual(counters);
      const params = await gpu.readParams();
      const want32 = readTensors(join(dir, "expected_float32", "sae_weights.safetensors"));
      const wantParams = paramsOf(want32, dSae);
      for (const [tensorName, key] of TENSORS) {
        if (!wantParams[key]) continue;
        const err = relativeError(params[key]!, wantParams[key]!);
        expect(err, `${name} ${tensorName} after ${steps} steps`).toBeLessThan(TOL);
      }
      if (selectsOverBatch(a)) {
        expect(Math.abs(params.threshold![0]! / state.topk_threshold - 1), "τ").toBeLessThan(TOL);
      }

      const out = join(outRoot, name);
      await saveDictionaryRun(
        out,
        spec,
        await trainer.exportParams(),
        await trainer.readFeatureDensity(),
      );
      const saved = await loadSaelensFolder(out);
      const exportedCfg = JSON.parse(readFileSync(join(dir, "exported", "cfg.json"), "utf8")) as {
        architecture: string;
      };
      const savedCfg = JSON.parse(readFileSync(join(out, "cfg.json"), "utf8")) as {
        architecture: string;
      };
      expect(savedCfg.architecture).toBe(exportedCfg.architecture);
      expect(saved.spec.activation).toEqual(spec.activation);
      const exported = readTensors(join(dir, "exported", "sae_weights.safetensors"));
      for (const [tensorName, key] of TENSORS) {
        expect(saved.params[key] !== undefined, `${name} saves ${tensorName}`).toBe(
          exported.has(tensorName),
        );
        if (!exported.has(tensorName)) continue;
        const err = relativeError(saved.params[key]!, tensor(exported, tensorName));
        expect(err, `${name} exported ${tensorName}`).toBeLessThan(TOL);
      }
    });
  }
});
