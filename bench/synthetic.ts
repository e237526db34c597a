/**
 * npm run bench:synthetic [-- --steps S --batch B --lr LR --k K --l1 C --l0 C --samples N]
 *   [--preset P --width W --architectures a,b,... --seconds S --no-orthogonalization --json]
 *
 * A scaled-down SynthSAEBench: the small-2k preset (2,048 features in 128 dimensions, the 16k's
 * trees, exclusion, correlations and magnitudes), width 512, Standard L1, TopK, BatchTopK,
 * JumpReLU and Matryoshka BatchTopK trained on one synthetic stream (each batch drawn once, on
 * the GPU, for all five), with L0 matched: k for the TopK family, an L1 and an L0 coefficient
 * chosen to land Standard and JumpReLU near the same L0. Prints the published table's columns
 * and whether its ordering on F1 holds (Matryoshka first, Standard L1 last).
 *
 * The run is a few hundred steps, not SynthSAEBench's 200M samples: it fits a few minutes on
 * SwiftShader, so the numbers are those of dictionaries early in training.
 *
 * bench/device/run.sh runs it at SynthSAEBench-16k's published BatchTopK settings (width 4096,
 * k 25, lr 3e-4, batch 1024) for --seconds of training, with --json (samples per second and the
 * metrics as one JSON object) and --no-orthogonalization (building the 16k's 100 orthogonalising
 * steps on the CPU takes longer than the device run has).
 */
import { parseArgs } from "node:util";
import { SyntheticGroundTruth } from "../src/engine/stream/syntheticGroundTruth.ts";
import {
  SyntheticStreamSession,
  type SyntheticDictionaryPlan,
} from "../src/engine/stream/syntheticSession.ts";
import { dictionarySeed } from "../src/engine/stream/dictionarySeed.ts";
import { buildSyntheticModel } from "../src/engine/synthetic/syntheticModel.ts";
import { syntheticPreset } from "../src/engine/synthetic/syntheticPresets.ts";
import { architectureOptions, type ArchitectureOptions } from "../src/engine/train/architecture.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "small-2k" },
    width: { type: "string", default: "512" },
    steps: { type: "string", default: "150" },
    batch: { type: "string", default: "256" },
    lr: { type: "string", default: "3e-3" },
    k: { type: "string", default: "8" },
    l1: { type: "string", default: "5" },
    l0: { type: "string", default: "20" },
    samples: { type: "string", default: "4096" },
    seed: { type: "string", default: "0" },
    architectures: { type: "string" },
    seconds: { type: "string" },
    "no-orthogonalization": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
/** Progress and the table go to stderr with --json (stdout holds the JSON object alone). */
const say = (line: string): void => (values.json ? console.error(line) : console.log(line));
const num = (name: keyof typeof values) => Number(values[name]);
const width = num("width");
const steps = num("steps");
const batch = num("batch");
const k = num("k");

/** SynthSAEBench's widths [128, 512, 2048, 4096] of 4096, scaled to the width. */
const matryoshkaWidths = [width / 32, width / 8, width / 2, width];

const ALL_ROWS: { id: string; title: string; architecture: Partial<ArchitectureOptions> }[] = [
  {
    id: "matryoshka",
    title: "Matryoshka",
    architecture: { architecture: "matryoshka_batchtopk", k, matryoshkaWidths },
  },
  { id: "batchtopk", title: "BatchTopK", architecture: { architecture: "batchtopk", k } },
  { id: "topk", title: "TopK", architecture: { architecture: "topk", k } },
  {
    id: "jumprelu",
    title: "JumpReLU",
    architecture: { architecture: "jumprelu", l0Coefficient: num("l0") },
  },
  { id: "standard", title: "Standard L1", architecture: { architecture: "standard" } },
];
const chosen = values.architectures?.split(",").map((a) => a.trim());
const ROWS = chosen
  ? ALL_ROWS.filter(
      (r) => chosen.includes(r.id) || chosen.includes(`${r.architecture.architecture}`),
    )
  : ALL_ROWS;
if (ROWS.length === 0)
  throw new Error(
    `--architectures ${values.architectures}: none of ${ALL_ROWS.map((r) => r.id).join(", ")}`,
  );

/** SynthSAEBench-16k at L0 = 25 (SAELens docs synth_sae_bench.md), for comparison. */
const PUBLISHED: Record<string, [number, number, number, number] | undefined> = {
  matryoshka: [0.879, 0.793, 0.999, 0.779],
  batchtopk: [0.732, 0.757, 0.984, 0.792],
  jumprelu: [0.732, 0.753, 0.989, 0.795],
  standard: [0.556, 0.604, 0.898, 0.765],
};

function plan(row: (typeof ROWS)[number]): SyntheticDictionaryPlan {
  return {
    id: row.id,
    kind: "sae",
    dSae: width,
    seed: dictionarySeed(num("seed"), row.id),
    normalize: "none",
    applyBDecToInput: true,
    schedule: {
      totalSteps: steps,
      lr: num("lr"),
      lrWarmUpSteps: 0,
      lrDecaySteps: 0,
      l1Coefficient: num("l1"),
      l1WarmUpSteps: 0,
    },
    deadFeatureWindow: 1000,
    featureSamplingWindow: 0,
    architecture: architectureOptions(row.architecture),
  };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const clock = { wall: performance.now(), cpu: cpuSeconds() };
const elapsed = () =>
  `${((performance.now() - clock.wall) / 1000).toFixed(0)} s wall, ` +
  `${(cpuSeconds() - clock.cpu).toFixed(0)} s CPU`;

const { device, adapterName } = await acquireNodeDevice();
const shaders = loadNodeShaders();
const config = syntheticPreset(values.preset);
if (values["no-orthogonalization"]) config.orthogonalization = null;
const model = buildSyntheticModel(config);
say(
  `${values.preset}: ${model.numFeatures} features in ${model.hiddenDim} dimensions ` +
    `(built in ${elapsed()}); adapter ${adapterName}`,
);
say(
  `width ${width}, ${steps} steps of ${batch} samples, lr ${values.lr}; k ${k} ` +
    `(matryoshka widths ${matryoshkaWidths.join(",")}), L1 ${values.l1}, JumpReLU L0 coefficient ${values.l0}`,
);
const session = await SyntheticStreamSession.create(device, shaders, model, ROWS.map(plan), {
  batchSize: batch,
  logEvery: steps,
  sourceName: `synthetic:${values.preset}`,
});
const truth = SyntheticGroundTruth.create(device, shaders, model);
try {
  const training = new Map<string, number>();
  const trainStart = performance.now();
  const deadline = values.seconds === undefined ? Infinity : trainStart + num("seconds") * 1000;
  const report = Math.max(1, Math.round(steps / 5));
  while (!session.finished) {
    for (const { id, metrics } of await session.step()) training.set(id, metrics.l0);
    const step = session.batchesServed;
    if (step % report === 0 || performance.now() > deadline) {
      await device.queue.onSubmittedWorkDone();
      say(`  step ${step}/${steps} (${elapsed()})`);
      if (performance.now() > deadline) break;
    }
  }
  await device.queue.onSubmittedWorkDone();
  const trained = session.batchesServed;
  const trainSeconds = (performance.now() - trainStart) / 1000;
  const samplesPerSecond = (trained * batch) / trainSeconds;
  say(
    `trained ${trained} steps (${elapsed()}; ${samplesPerSecond.toFixed(0)} samples/s, ` +
      `${ROWS.length} ${ROWS.length === 1 ? "dictionary" : "dictionaries"} on one stream)`,
  );
  const results = await session.evaluateTruth(truth, { samples: num("samples"), training: false });
  say(`evaluated on ${num("samples")} samples of the evaluation stream (${elapsed()})\n`);
  const f = (x: number) => x.toFixed(3).padStart(10);
  say(
    `${"".padEnd(12)}${["F1", "MCC", "unique", "var.expl.", "L0", "dead", "train L0"].map((h) => h.padStart(10)).join("")}` +
      `   published (16k, L0 25): F1 MCC unique var.expl.`,
  );
  const byId = new Map(results.map((r) => [r.id, r.result.metrics]));
  for (const row of ROWS) {
    const m = byId.get(row.id)!;
    const published = PUBLISHED[row.id];
    say(
      row.title.padEnd(12) +
        f(m.classification.f1_score) +
        f(m.mcc) +
        f(m.uniqueness) +
        f(m.explained_variance) +
        m.sae_l0.toFixed(1).padStart(10) +
        String(m.dead_latents).padStart(10) +
        (training.get(row.id) ?? NaN).toFixed(1).padStart(10) +
        (published ? `   ${published.map((v) => v.toFixed(3)).join(" ")}` : ""),
    );
  }
  const f1 = (id: string) => byId.get(id)!.classification.f1_score;
  const ids = ROWS.map((r) => r.id);
  const ranked = [...ids].sort((a, b) => f1(b) - f1(a));
  const ordered = byId.has("matryoshka") && byId.has("standard");
  const holds = ranked[0] === "matryoshka" && ranked.at(-1) === "standard";
  say(
    `\nF1 ranking: ${ranked.join(" > ")} (true L0 ${results[0]!.result.metrics.true_l0.toFixed(1)})`,
  );
  if (ordered) {
    say(
      `published ordering (Matryoshka first, Standard L1 last): ${holds ? "holds" : "does not hold"}`,
    );
  }
  if (values.json) {
    const output = {
      preset: values.preset,
      orthogonalized: config.orthogonalization !== null,
      width,
      batch,
      lr: num("lr"),
      k,
      steps: trained,
      samples: trained * batch,
      trainSeconds,
      samplesPerSecond,
      evalSamples: num("samples"),
      adapter: adapterName,
      dictionaries: Object.fromEntries(results.map((r) => [r.id, r.result.metrics])),
      ...(ordered ? { publishedOrderingHolds: holds } : {}),
    };
    process.stdout.write(JSON.stringify(output, null, 2) + "\n");
  }
} finally {
  truth.destroy();
  session.destroy();
}
