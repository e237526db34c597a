/**
 * Predicted vs actual (issue 23, "What done looks like"): on the built-in model with a trained
 * transcoder set, attribute a prompt, then ablate each of the most influential features of a
 * layer one at a time and compare the change of the top centred logit the graph predicts (its
 * direct edge, −A[top logit, feature]) with the actual change under circuit-tracer's feature
 * intervention. Prints, per layer, the median relative gap |predicted − actual| / |actual|, for
 * the model's own MLPs downstream (circuit-tracer's default) and for the replacement model with
 * frozen error nodes.
 *
 *   npm run bench:interventions -- --transcoders DIR [--prompt TEXT] [--features N]
 *
 * DIR: a set with a transcoder at every layer, e.g. from
 *   npm run train -- --model builtin --kind transcoder --layers all --d-sae 256 \
 *     --architecture topk --k 16 --batch 256 --steps 300 --eval-sequences 0 --out DIR
 */
import { parseArgs } from "node:util";
import { attribute } from "../src/engine/circuits/attribute.ts";
import { featureIntervention } from "../src/engine/circuits/intervention.ts";
import type { InterventionDownstream } from "../src/engine/circuits/interventionTypes.ts";
import { pruneGraph } from "../src/engine/circuits/pruning.ts";
import { loadAttributeInputs } from "../src/cli/attributeInputs.ts";
import { decodeTokens } from "../src/engine/text/tokenizer.ts";

const { values } = parseArgs({
  options: {
    transcoders: { type: "string" },
    prompt: {
      type: "string",
      default: "The Fulton County Grand Jury said Friday an investigation of",
    },
    features: { type: "string", default: "20" },
  },
});
if (!values.transcoders) {
  console.error(
    "usage: npm run bench:interventions -- --transcoders DIR [--prompt TEXT] [--features N]\n" +
      "DIR: a transcoder set of the built-in model (npm run train -- --model builtin --kind transcoder --layers all ...)",
  );
  process.exit(2);
}
const perLayer = Number(values.features);
const started = performance.now();
const { weights, set, tokens } = await loadAttributeInputs({
  model: "builtin",
  processing: true,
  transcoders: [values.transcoders],
  prompt: values.prompt,
});
const { graph } = await attribute(weights, set, tokens, { prompt: values.prompt });
const n = graph.nodes.length;
const { nodeInfluence } = pruneGraph(graph);
const topRow = graph.nodes.findIndex((node) => node.type === "logit");
const topLogit = graph.nodes[topRow]!;
if (topLogit.type !== "logit") throw new Error("the graph has no logit node");
console.log(
  `prompt ${JSON.stringify(values.prompt)}: ${graph.tokens.length} tokens with BOS, ` +
    `${graph.nFeatures} active features, top logit ${JSON.stringify(decodeTokens([topLogit.token]))} ` +
    `(p = ${topLogit.probability.toFixed(3)}); graph in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

for (let layer = weights.config.nLayer - 1; layer >= 0; layer--) {
  const ranked = graph.nodes
    .map((node, i) => ({ node, i }))
    .filter(({ node }) => node.type === "feature" && node.layer === layer)
    .sort((a, b) => nodeInfluence[b.i]! - nodeInfluence[a.i]!)
    .slice(0, perLayer);
  const variants: InterventionDownstream[] =
    layer === weights.config.nLayer - 1 ? ["model"] : ["model", "frozen-errors"];
  const cells: string[] = [];
  let edgeCheck = 0;
  for (const downstream of variants) {
    const gaps: number[] = [];
    for (const { node, i } of ranked) {
      if (node.type !== "feature") continue;
      const outcome = featureIntervention(
        weights,
        set,
        graph.tokens,
        [{ layer, pos: node.pos, feature: node.feature, multiplier: 0 }],
        { downstream, topK: 1 },
      );
      const change = outcome.changes.find((c) => c.token === topLogit.token)!;
      const edge = -graph.adjacency[topRow * n + i]!;
      edgeCheck = Math.max(
        edgeCheck,
        Math.abs(change.predicted - edge) / Math.max(Math.abs(edge), 1e-6),
      );
      gaps.push(Math.abs(change.predicted - change.actual) / Math.abs(change.actual));
    }
    cells.push(`${downstream} MLPs downstream: median gap ${(100 * median(gaps)).toFixed(1)}%`);
  }
  console.log(
    `layer ${layer}: ${ranked.length} most influential features ablated one at a time; ` +
      `${cells.join("; ")} (predicted = −A[top logit, f], matching the graph's edge to ${edgeCheck.toExponential(1)} relative)`,
  );
}
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s in all (float64 on the CPU)`);
