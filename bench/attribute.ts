/**
 * npm run bench:attribute: an attribution graph of a 32-token prompt on the built-in model with a
 * 4-layer transcoder set of width 4096 (random TopK, k = 32, unless --transcoders PATH... names
 * a set): seconds per stage, backward passes and rows per pass at B = 64 and 256, and the cost as
 * a multiple of one GPU forward pass of the replacement model on the same prompt.
 * npx tsx bench/attribute.ts [--transcoders PATH...] [--batch-rows 64,256]
 */
import { loadavg } from "node:os";
import { attribute } from "../src/engine/circuits/attribute.ts";
import { withBos } from "../src/engine/circuits/attributionNodes.ts";
import { setUpAttribution } from "../src/engine/circuits/attributionSetup.ts";
import { buildGraphJson, graphJsonText } from "../src/engine/circuits/graphJson.ts";
import { computeGraphScores } from "../src/engine/circuits/graphScores.ts";
import { pruneGraph } from "../src/engine/circuits/pruning.ts";
import { randomTranscoderSet } from "../src/engine/circuits/randomTranscoderSet.ts";
import { decodeTokens, encodeText } from "../src/engine/text/tokenizer.ts";
import { loadModelFolder } from "../src/node/modelFolder.ts";
import { acquireNodeDevice } from "../src/node/nodeGpu.ts";
import { loadNodeShaders } from "../src/node/nodeShaders.ts";
import { parseFlags } from "../src/cli/flags.ts";
import { readSetFromPaths, takeTranscoderPaths } from "../src/cli/transcoderSetEval.ts";
import { replacementForwardSeconds } from "./attributeForward.ts";

const USAGE = "usage: npx tsx bench/attribute.ts [--transcoders PATH...] [--batch-rows 64,256]";
const { rest, paths } = takeTranscoderPaths(process.argv.slice(2));
const flags = parseFlags(rest, { "batch-rows": { type: "string" } }, USAGE);
const batchSizes = String(flags["batch-rows"] ?? "64,256")
  .split(",")
  .map(Number);
if (!batchSizes.every((b) => Number.isInteger(b) && b >= 1)) throw new Error(USAGE);

const PROMPT_TOKENS = 32;
const TEXT =
  "The committee met on Tuesday to discuss the new budget, and the chairman said that the city " +
  "would have to raise taxes or cut services before the end of the year, because the schools";
const tokens = encodeText(TEXT).slice(0, PROMPT_TOKENS);

/** Wall seconds and this process's CPU seconds (SwiftShader's threads included). */
async function timed<T>(run: () => T | Promise<T>) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return {
    value,
    seconds: (performance.now() - wall) / 1000,
    cpu: (used.user + used.system) / 1e6,
  };
}
const show = (t: { seconds: number; cpu: number }) =>
  `${t.seconds.toFixed(2)} s (CPU ${t.cpu.toFixed(2)} s)`;

const weights = await loadModelFolder("builtin", { processing: true });
const set = paths
  ? await readSetFromPaths(paths, weights, "the built-in gpt2-brown")
  : randomTranscoderSet(
      weights.config.dModel,
      Array.from({ length: weights.config.nLayer }, () => ({
        dSae: 4096,
        activation: { kind: "topk", k: 32 } as const,
      })),
      1,
      "gpt2-brown (built-in)",
    );
const { device, adapterName } = await acquireNodeDevice();
const shaders = loadNodeShaders();
console.log(`adapter: ${adapterName}`);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(", ")}; set: ${paths ? paths.join(" ") : "random TopK k=32"}, widths ` +
    set.layers.map((t) => t?.spec.dSae ?? "-").join(",") +
    `; prompt: ${tokens.length} tokens + BOS`,
);

const setup = await timed(() => setUpAttribution(weights, set, tokens));
const { problem } = setup.value;
console.log(
  `setup (float64 replacement forward, nodes, targets): ${show(setup)}; ` +
    `${problem.nFeatures} active features, ${problem.nLogits} logits`,
);
const forward = await replacementForwardSeconds(device, shaders, weights, set, withBos(tokens));
console.log(`one GPU forward of the replacement model, logits read back: ${forward.toFixed(4)} s`);

for (const batchRows of batchSizes) {
  const run = await timed(() =>
    attribute(weights, set, tokens, { device: { device, shaders }, batchRows }),
  );
  const { graph, passes, rows } = run.value;
  const backward = run.seconds - setup.seconds;
  const bound = Math.ceil(problem.nLogits / batchRows) + Math.ceil(problem.nFeatures / batchRows);
  const pruning = await timed(() => {
    const pruned = pruneGraph(graph);
    computeGraphScores(graph);
    computeGraphScores(graph, pruned);
    return pruned;
  });
  const json = await timed(() =>
    graphJsonText(
      buildGraphJson(graph, {
        slug: "bench",
        decodeToken: (t) => decodeTokens([t]),
        pruned: pruning.value,
      }),
    ),
  );
  const whole = run.seconds + pruning.seconds + json.seconds;
  console.log(
    [
      `B = ${batchRows}: ${rows} rows in ${passes} backward passes ` +
        `(⌈logits/B⌉ + ⌈features/B⌉ = ${bound}; ${(rows / passes).toFixed(1)} rows per pass)`,
      `  attribute(): ${show(run)}, of which backward passes ≈ ${backward.toFixed(2)} s ` +
        `(${(backward / passes).toFixed(3)} s per pass) = ${(backward / forward).toFixed(0)} ` +
        `forward passes (${(backward / passes / forward).toFixed(1)} per backward pass)`,
      `  pruning and scores: ${show(pruning)}; graph JSON: ${show(json)}, ` +
        `${(json.value.length / 1e6).toFixed(1)} MB`,
      `  whole graph: ${whole.toFixed(2)} s (goal: under 60 s on SwiftShader)`,
    ].join("\n"),
  );
}
