/**
 * The metrics against SAELens's definitions computed in Python (float64 from the same stored
 * float32 values): tools/make_synthetic_metric_fixture.py, test/fixtures/synthetic_metrics/.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSafetensors } from "../formats/safetensors.ts";
import { openFileByteSource } from "../../node/fileByteSource.ts";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import {
  latentMatchings,
  SyntheticEvaluator,
  type CosineProduct,
  type RecoveryMetrics,
} from "./metrics.ts";
import { featureOrdering, similarityHeatmap } from "./similarity.ts";
import { gpuCosineSimilarities } from "./similarityGpu.ts";
import { cosineSimilaritiesReference } from "./similarityMatrix.ts";

const FIXTURES = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "test",
  "fixtures",
  "synthetic_metrics",
);
const TOLERANCE = 1e-9;

interface Expected extends RecoveryMetrics {
  num_features: number;
  d_in: number;
  d_out: number;
  d_sae: number;
  samples: number;
  true_l0: number;
  sae_l0: number;
  dead_latents: number;
  shrinkage: number;
  explained_variance: number;
  encoder?: RecoveryMetrics;
  feature_ordering?: number[];
  decoder_heatmap?: number[][];
}

async function loadCase(name: string) {
  const dir = join(FIXTURES, name);
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
  const src = await openFileByteSource(join(dir, "tensors.safetensors"));
  try {
    const file = await openSafetensors(src);
    const tensors: Record<string, Float32Array> = {};
    for (const t of file.tensors.keys()) tensors[t] = await file.readF32(t);
    return { expected, tensors };
  } finally {
    await src.close();
  }
}

const referenceCosine: CosineProduct = async (a, b, shape) =>
  cosineSimilaritiesReference(a, b, shape);

/** The evaluator fed in two batches (the metrics must not depend on the split). */
function evaluate(
  tensors: Record<string, Float32Array>,
  expected: Expected,
  target: string,
  matchings: Awaited<ReturnType<typeof latentMatchings>>,
) {
  const { num_features: numFeatures, d_sae: dSae, d_out: dOut, samples } = expected;
  const evaluator = new SyntheticEvaluator(
    { numFeatures, dSae, dOut },
    matchings.decoder,
    matchings.encoder,
  );
  const split = 137;
  for (const [r0, r1] of [
    [0, split],
    [split, samples],
  ] as const) {
    const rows = (t: string, width: number) => tensors[t]!.subarray(r0 * width, r1 * width);
    evaluator.addBatch({
      rows: r1 - r0,
      featureActs: rows("feature_acts", numFeatures),
      latents: rows("latents", dSae),
      target: rows(target, dOut),
      reconstruction: rows("reconstruction", dOut),
    });
  }
  return evaluator.result();
}

function expectRecovery(got: RecoveryMetrics, want: RecoveryMetrics, side: string) {
  expect(got.mcc, `${side} mcc`).toBeCloseTo(want.mcc, 9);
  expect(got.uniqueness, `${side} uniqueness`).toBe(want.uniqueness);
  for (const k of ["precision", "recall", "f1_score", "accuracy"] as const) {
    expect(Math.abs(got.classification[k] - want.classification[k]), `${side} ${k}`).toBeLessThan(
      TOLERANCE,
    );
  }
}

function expectSampleMetrics(got: ReturnType<typeof evaluate>, want: Expected) {
  expect(got.true_l0).toBeCloseTo(want.true_l0, 12);
  expect(got.sae_l0).toBeCloseTo(want.sae_l0, 12);
  expect(got.dead_latents).toBe(want.dead_latents);
  expect(Math.abs(got.shrinkage - want.shrinkage)).toBeLessThan(TOLERANCE);
  expect(Math.abs(got.explained_variance - want.explained_variance)).toBeLessThan(TOLERANCE);
}

describe("ground-truth metrics agree with SAELens's eval_sae_on_synthetic_data", () => {
  it("an SAE with duplicated, random and dead latents (d_sae 32 < 40 features)", async () => {
    const { expected, tensors } = await loadCase("sae");
    const dict = {
      dIn: expected.d_in,
      dSae: expected.d_sae,
      dOut: expected.d_out,
      wEnc: tensors.W_enc!,
      wDec: tensors.W_dec!,
    };
    const truth = { dim: expected.d_in, vectors: tensors.feature_vectors! };
    const matchings = await latentMatchings(referenceCosine, dict, expected.num_features, {
      output: truth,
    });
    const got = evaluate(tensors, expected, "x", matchings);
    expectSampleMetrics(got, expected);
    expectRecovery(got, expected, "decoder");
    expect(got.dead_latents).toBe(1);
    expect(got.uniqueness).toBeLessThan(1);
    expect(got.encoder).toBeUndefined();
  });

  it("the same SAE's MCC and uniqueness with the cosines from the GPU", async () => {
    const { expected, tensors } = await loadCase("sae");
    const { device } = await testDevice();
    const shaders = loadNodeShaders();
    const gpu: CosineProduct = (a, b, shape) => gpuCosineSimilarities(device, shaders, a, b, shape);
    const dict = {
      dIn: expected.d_in,
      dSae: expected.d_sae,
      dOut: expected.d_out,
      wEnc: tensors.W_enc!,
      wDec: tensors.W_dec!,
    };
    const { decoder } = await latentMatchings(gpu, dict, expected.num_features, {
      output: { dim: expected.d_in, vectors: tensors.feature_vectors! },
    });
    expect(Math.abs(decoder.mcc - expected.mcc)).toBeLessThan(1e-6);
    expect(decoder.uniqueness).toBe(expected.uniqueness);
  });

  it("a transcoder: decoder against v, encoder against u (d_sae 48 > 40: 40 pairs)", async () => {
    const { expected, tensors } = await loadCase("transcoder");
    const dict = {
      dIn: expected.d_in,
      dSae: expected.d_sae,
      dOut: expected.d_out,
      wEnc: tensors.W_enc!,
      wDec: tensors.W_dec!,
    };
    const matchings = await latentMatchings(referenceCosine, dict, expected.num_features, {
      output: { dim: expected.d_out, vectors: tensors.output_vectors! },
      input: { dim: expected.d_in, vectors: tensors.input_vectors! },
    });
    expect(matchings.decoder.assignment.rowInd.length).toBe(expected.num_features);
    const got = evaluate(tensors, expected, "y", matchings);
    expectSampleMetrics(got, expected);
    expectRecovery(got, expected, "decoder");
    expectRecovery(got.encoder!, expected.encoder!, "encoder");
    expect(got.encoder!.mcc).not.toBeCloseTo(got.mcc, 3);
  });

  it("the similarity heatmap: find_best_feature_ordering and the rounded signed cosines", async () => {
    const { expected, tensors } = await loadCase("sae");
    const shape = { rowsA: expected.d_sae, rowsB: expected.num_features, d: expected.d_in };
    const cos = cosineSimilaritiesReference(tensors.W_dec!, tensors.feature_vectors!, shape);
    const { order } = featureOrdering(cos, shape.rowsA, shape.rowsB);
    expect(Array.from(order)).toEqual(expected.feature_ordering);
    const heatmap = similarityHeatmap(cos, shape.rowsA, shape.rowsB, {
      limits: { maxLatents: 1000, maxFeatures: 1000 },
    });
    expect(Array.from(heatmap.latents)).toEqual(expected.feature_ordering);
    const want = expected.decoder_heatmap!.flat();
    expect(heatmap.decoder.length).toBe(want.length);
    let differ = 0;
    for (let i = 0; i < want.length; i++) {
      // float64 cosines against SAELens's float32 ones may round apart at a .xx5 boundary.
      expect(Math.abs(heatmap.decoder[i]! - want[i]!)).toBeLessThan(0.0100001);
      if (Math.abs(heatmap.decoder[i]! - want[i]!) > 1e-6) differ++;
    }
    expect(differ).toBeLessThan(want.length / 100);
  });
});
