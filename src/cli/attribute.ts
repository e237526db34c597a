/**
 * `npm run attribute`: circuit-tracer's attribution graph of a prompt through a transcoder set,
 * its backward passes on the GPU, written as circuit-tracer's graph file (--help: flags, node ids).
 */
import { basename } from "node:path";
import { attribute } from "../engine/circuits/attribute.ts";
import { buildGraphJson, graphJsonText } from "../engine/circuits/graphJson.ts";
import { computeGraphScores } from "../engine/circuits/graphScores.ts";
import { pruneGraph } from "../engine/circuits/pruning.ts";
import { decodeTokens } from "../engine/text/tokenizer.ts";
import { acquireNodeDevice } from "../node/nodeGpu.ts";
import { loadNodeShaders } from "../node/nodeShaders.ts";
import { adjacencySafetensors } from "./attributeAdjacency.ts";
import { writeBytes, writeGraphFiles } from "./attributeFiles.ts";
import { parseAttributeFlags } from "./attributeFlags.ts";
import { loadAttributeInputs } from "./attributeInputs.ts";
import { summaryLines } from "./attributeSummary.ts";
import { runCli } from "./cliError.ts";

const log = (line: string) => process.stderr.write(`attribute: ${line}\n`);

/** Progress at most once a second, and the last one always. */
function progressPrinter(): (rowsDone: number, rowsTotal: number, passes: number) => void {
  let last = 0;
  return (rowsDone, rowsTotal, passes) => {
    const now = performance.now();
    if (rowsDone < rowsTotal && now - last < 1000) return;
    last = now;
    log(`${rowsDone}/${rowsTotal} rows, ${passes} backward pass${passes === 1 ? "" : "es"}`);
  };
}

runCli("attribute", async () => {
  const s = parseAttributeFlags(process.argv.slice(2));
  if (!s) return;
  if (s.slug !== basename(s.out, ".json")) {
    log(`--slug ${s.slug}: circuit-tracer's viewer opens ${s.slug}.json, not ${basename(s.out)}`);
  }
  const seconds: [string, number][] = [];
  let clock = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    seconds.push([stage, (now - clock) / 1000]);
    clock = now;
  };
  const inputs = await loadAttributeInputs(s);
  const { device } = await acquireNodeDevice();
  const shaders = loadNodeShaders();
  lap("loading");
  const run = await attribute(inputs.weights, inputs.set, inputs.tokens, {
    maxLogits: s.maxLogits,
    logitProb: s.logitProb,
    maxFeatureNodes: s.maxFeatureNodes,
    batchRows: s.batchRows,
    device: { device, shaders },
    onProgress: progressPrinter(),
    scan: inputs.scan,
  });
  const { graph } = run;
  lap("forward and backward passes");
  const pruned = pruneGraph(graph, s.nodeThreshold, s.edgeThreshold);
  const full = computeGraphScores(graph);
  const prunedScores = computeGraphScores(graph, pruned);
  lap("pruning and scores");
  const json = buildGraphJson(graph, {
    slug: s.slug,
    nodeThreshold: s.nodeThreshold,
    edgeThreshold: s.edgeThreshold,
    decodeToken: (token) => decodeTokens([token]),
    pruned,
    generationSettings: {
      max_n_logits: s.maxLogits,
      desired_logit_prob: s.logitProb,
      max_feature_nodes: s.maxFeatureNodes,
      batch_size: s.batchRows,
    },
  });
  const metadataPath = await writeGraphFiles(s.out, graphJsonText(json), json.metadata);
  lap("graph JSON");
  const written = [s.out, metadataPath];
  if (s.adjacency !== undefined) {
    await writeBytes(s.adjacency, adjacencySafetensors(graph));
    written.push(s.adjacency);
    lap("adjacency file");
  }
  const lines = summaryLines({
    graph,
    json,
    full,
    pruned: prunedScores,
    passes: run.passes,
    rows: run.rows,
    batchRows: s.batchRows,
    seconds,
  });
  process.stdout.write([...lines, `wrote ${written.join(", ")}`].join("\n") + "\n");
});
