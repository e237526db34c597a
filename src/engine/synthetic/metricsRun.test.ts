import { describe, expect, it } from "vitest";
import { loadNodeShaders } from "../../node/nodeShaders.ts";
import { testDevice } from "../../node/testDevice.ts";
import type { DictionaryParams, DictionarySpec } from "../dictionary/spec.ts";
import { readFloats } from "../gpu/readBuffer.ts";
import { inferenceReference } from "../reference/dictionaryInference.ts";
import { GpuSyntheticSampler } from "./gpuSyntheticSampler.ts";
import { latentMatchings, SyntheticEvaluator, type CosineProduct } from "./metrics.ts";
import { evaluateOnSynthetic, truthMismatch, type SyntheticTruth } from "./metricsRun.ts";
import { hostSource, samplerSource } from "./metricsSources.ts";
import { cosineSimilaritiesReference } from "./similarityMatrix.ts";
import { buildSyntheticModel, type SyntheticModel } from "./syntheticModel.ts";
import type { SyntheticModelConfig } from "./syntheticConfig.ts";

const shaders = loadNodeShaders();
const BATCH = 64;
const SAMPLES = 150; // two whole batches and a partial one
const STREAM = 1234;

const config: SyntheticModelConfig = {
  num_features: 24,
  hidden_dim: 16,
  firing_probability: { generator_name: "zipfian", exponent: 1, max_prob: 0.3, min_prob: 0.02 },
  hierarchy: null,
  orthogonalization: null,
  correlation: null,
  std_firing_magnitudes: 0.2,
  mean_firing_magnitudes: 1,
  bias: 0.3,
  dtype: "float32",
  seed: 5,
};

function transpose(m: Float32Array, rows: number, cols: number) {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

/** The planted directions as the dictionary: W_dec = v (or u), W_enc = uᵀ, b_enc = -0.2. */
function plantedDictionary(model: SyntheticModel, kind: "sae" | "transcoder") {
  const out = kind === "transcoder" ? model.output! : model.input;
  const spec: DictionarySpec = {
    kind,
    dIn: model.hiddenDim,
    dSae: model.numFeatures,
    dOut: out.dim,
    applyBDecToInput: kind === "sae",
    hookName: "synthetic.x",
    hookNameOut: kind === "sae" ? "synthetic.x" : "synthetic.y",
    modelName: "synthetic",
    normalizeActivations: "none",
  };
  const params: DictionaryParams = {
    wEnc: transpose(model.input.vectors, model.numFeatures, model.hiddenDim),
    bEnc: new Float32Array(model.numFeatures).fill(-0.2),
    wDec: Float32Array.from(out.vectors),
    bDec: Float32Array.from(out.bias),
  };
  return { spec, params };
}

function truthOf(model: SyntheticModel): SyntheticTruth {
  return { numFeatures: model.numFeatures, input: model.input, output: model.output };
}

/** The sampler's own batches, read back: what the evaluation saw. */
async function samplerBatches(model: SyntheticModel) {
  const { device } = await testDevice();
  const sampler = GpuSyntheticSampler.create(device, shaders, model, {
    batch: BATCH,
    streamSeed: STREAM,
  });
  const acts = new Float32Array(SAMPLES * model.numFeatures);
  const x = new Float32Array(SAMPLES * model.hiddenDim);
  const y = model.output ? new Float32Array(SAMPLES * model.output.dim) : null;
  for (let step = 0, done = 0; done < SAMPLES; step++) {
    const rows = Math.min(BATCH, SAMPLES - done);
    const encoder = device.createCommandEncoder();
    const b = sampler.encode(encoder, step);
    device.queue.submit([encoder.finish()]);
    acts.set(await readFloats(device, b.acts, rows * model.numFeatures), done * model.numFeatures);
    x.set(await readFloats(device, b.x, rows * model.hiddenDim), done * model.hiddenDim);
    if (y)
      y.set(await readFloats(device, b.y!, rows * model.output!.dim), done * model.output!.dim);
    done += rows;
  }
  sampler.destroy();
  return { acts, x, y };
}

/** The same evaluation on the host: float64 inference and reference cosines. */
async function hostEvaluation(model: SyntheticModel, kind: "sae" | "transcoder") {
  const { spec, params } = plantedDictionary(model, kind);
  const { acts, x, y } = await samplerBatches(model);
  const reference: CosineProduct = async (a, b, shape) => cosineSimilaritiesReference(a, b, shape);
  const transcoder = kind === "transcoder";
  const matchings = await latentMatchings(reference, { ...spec, ...params }, model.numFeatures, {
    output: transcoder ? model.output! : model.input,
    input: transcoder ? model.input : undefined,
  });
  const { latents, output } = inferenceReference(spec, params, x, SAMPLES);
  const evaluator = new SyntheticEvaluator(
    { numFeatures: model.numFeatures, dSae: spec.dSae, dOut: spec.dOut },
    matchings.decoder,
    matchings.encoder,
  );
  evaluator.addBatch({
    rows: SAMPLES,
    featureActs: acts,
    latents,
    target: transcoder ? y! : x,
    reconstruction: output,
  });
  return { result: evaluator.result(), samples: { acts, x, y } };
}

async function gpuEvaluation(model: SyntheticModel, kind: "sae" | "transcoder") {
  const { device } = await testDevice();
  const dict = plantedDictionary(model, kind);
  const sampler = GpuSyntheticSampler.create(device, shaders, model, {
    batch: BATCH,
    streamSeed: STREAM,
  });
  const source = samplerSource(device, sampler, {
    numFeatures: model.numFeatures,
    targetDim: dict.spec.dOut,
    transcoder: kind === "transcoder",
  });
  try {
    return await evaluateOnSynthetic(device, shaders, dict, truthOf(model), source, {
      samples: SAMPLES,
      batch: BATCH,
      heatmap: { maxLatents: 8, maxFeatures: 8 },
    });
  } finally {
    sampler.destroy();
  }
}

function expectClose(got: Record<string, unknown>, want: Record<string, unknown>, path = "") {
  for (const [k, w] of Object.entries(want)) {
    const g = got[k];
    if (typeof w === "number") expect(g as number, path + k).toBeCloseTo(w, 5);
    else expectClose(g as Record<string, unknown>, w as Record<string, unknown>, `${path}${k}.`);
  }
}

const saeModel = buildSyntheticModel(config);
let saeHost: ReturnType<typeof hostEvaluation> | undefined;
/** The SAE's host evaluation, made once for two tests. */
const saeHostEvaluation = () => (saeHost ??= hostEvaluation(saeModel, "sae"));

describe("evaluateOnSynthetic (GPU sampler, GPU inference, GPU cosines)", () => {
  it("an SAE whose decoder is the planted features: MCC 1, and the host evaluation's numbers", async () => {
    const model = saeModel;
    const run = await gpuEvaluation(model, "sae");
    const { result } = await saeHostEvaluation();
    expect(run.samples).toBe(SAMPLES);
    expect(run.metrics.mcc).toBeCloseTo(1, 5);
    expect(run.metrics.uniqueness).toBe(1);
    expect(run.metrics.true_l0).toBeGreaterThan(0.5);
    expectClose({ ...run.metrics }, { ...result });
    // The heatmap's window: the first 8 features and the latents that match them, on the diagonal.
    expect(Array.from(run.heatmap!.latents)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let i = 0; i < 8; i++) expect(run.heatmap!.decoder[i * 8 + i]).toBeCloseTo(1, 2);
  });

  it("a transcoder: the decoder against v, the encoder against u, reconstruction against y", async () => {
    const model = buildSyntheticModel(config, { outputDim: 12 });
    const run = await gpuEvaluation(model, "transcoder");
    const { result } = await hostEvaluation(model, "transcoder");
    expect(run.metrics.mcc).toBeCloseTo(1, 5);
    expect(run.metrics.encoder!.mcc).toBeCloseTo(1, 5);
    expect(run.heatmap!.encoder).toBeDefined();
    expectClose({ ...run.metrics }, { ...result });
  });

  it("host samples (an exported truth's) give the same numbers as the sampler", async () => {
    const model = saeModel;
    const { device } = await testDevice();
    const { result, samples } = await saeHostEvaluation();
    const source = hostSource(
      device,
      { count: SAMPLES, featureActs: samples.acts, x: samples.x, target: samples.x },
      { numFeatures: 24, inputDim: 16, targetDim: 16, batch: 40 },
    );
    const run = await evaluateOnSynthetic(
      device,
      shaders,
      plantedDictionary(model, "sae"),
      truthOf(model),
      source,
      {
        samples: 10_000,
        batch: 40,
      },
    );
    source.destroy();
    expect(run.samples).toBe(SAMPLES);
    expectClose({ ...run.metrics }, { ...result });
  });

  it("names what does not fit: d_in, a transcoder without y, d_out", () => {
    const model = buildSyntheticModel(config);
    const { spec } = plantedDictionary(model, "sae");
    expect(truthMismatch({ ...spec, dIn: 20 }, truthOf(model))).toMatch(/d_in 20 .* x has 16/);
    expect(truthMismatch({ ...spec, kind: "transcoder" }, truthOf(model))).toMatch(
      /needs a synthetic model with output vectors/,
    );
    const withY = buildSyntheticModel(config, { outputDim: 12 });
    expect(truthMismatch({ ...spec, kind: "transcoder", dOut: 10 }, truthOf(withY))).toMatch(
      /d_out 10 .* y has 12/,
    );
  });
});
