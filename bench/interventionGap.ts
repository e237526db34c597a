/**
 * Predicted vs actual (issue 23, "What done looks like"): on the built-in model with a trained
 * transcoder set, attribute each prompt, then ablate each of the most influential features of a
 * layer one at a time and compare the change of the top centred logit the graph predicts (its
 * direct edge, −A[top logit, feature]) with the actual change under circuit-tracer's feature
 * intervention (attention frozen, LayerNorm scales live). Prints, per layer, the median relative
 * gap |predicted − actual| / |actual| of two measurements:
 * - "actual": the change as the model makes it (every LayerNorm scale recomputed);
 * - "actual, ln_final scale held": the same run with ln_final's scale held at its clean value,
 *   as the graph holds it (later layers' MLPs and their own LayerNorm scales still recompute).
 *   A last-layer feature's direct effect is its whole effect up to that scale, so there the gap
 *   is float rounding; at earlier layers it is the indirect paths through later MLPs.
 * Each with the model's own MLPs downstream (circuit-tracer's default) and with the replacement
 * model's frozen error nodes, per prompt and pooled.
 *
 *   npm run bench:interventions -- --transcoders DIR [--prompt TEXT]... [--features N]
 *
 * DIR: a set with a transcoder at every layer, e.g. from
 *   npm run train -- --model builtin --kind transcoder --layers all --d-sae 256 \
 *     --architecture topk --k 16 --batch 256 --steps 300 --eval-sequences 0 --out DIR
 */
import { parseArgs } from "node:util";
import { loadAttributeInputs } from "../src/cli/attributeInputs.ts";
import { attribute } from "../src/engine/circuits/attribute.ts";
import { featureIntervention } from "../src/engine/circuits/intervention.ts";
import type { InterventionDownstream } from "../src/engine/circuits/interventionTypes.ts";
import { pruneGraph } from "../src/engine/circuits/pruning.ts";
import type { TranscoderSet } from "../src/engine/circuits/transcoderSet.ts";
import type { Gpt2Weights } from "../src/engine/model/gpt2Weights.ts";
import { decodeTokens, encodeText } from "../src/engine/text/tokenizer.ts";

const PROMPTS = [
  "The Fulton County Grand Jury said Friday an investigation of",
  "It was a sunny day in the city and",
  "He said that the President would",
];

const { values } = parseArgs({
  options: {
    transcoders: { type: "string" },
    prompt: { type: "string", multiple: true },
    features: { type: "string", default: "20" },
  },
});
if (!values.transcoders) {
  console.error(
    "usage: npm run bench:interventions -- --transcoders DIR [--prompt TEXT]... [--features N]\n" +
      "DIR: a transcoder set of the built-in model (npm run train -- --model builtin --kind transcoder --layers all ...)",
  );
  process.exit(2);
}
const perLayer = Number(values.features);
const prompts = values.prompt ?? PROMPTS;
const started = performance.now();
const { weights, set } = await loadAttributeInputs({
  model: "builtin",
  processing: true,
  transcoders: [values.transcoders],
  prompt: prompts[0]!,
});
const nLayer = weights.config.nLayer;
const variantsOf = (layer: number): InterventionDownstream[] =>
  layer === nLayer - 1 ? ["model"] : ["model", "frozen-errors"];
const MEASURES = ["actual", "actual, ln_final scale held"] as const;
type Measure = (typeof MEASURES)[number];
const keyOf = (layer: number, downstream: InterventionDownstream, measure: Measure) =>
  `${layer} ${downstream} ${measure}`;
/** Gaps by keyOf(layer, downstream, measure), over every prompt. */
const pooled = new Map<string, number[]>();

for (const prompt of prompts) {
  const gaps = await promptGaps(weights, set, prompt);
  for (const [key, list] of gaps) pooled.set(key, [...(pooled.get(key) ?? []), ...list]);
}
console.log(`pooled over ${prompts.length} prompts:`);
printTable(pooled);
console.log(`${((performance.now() - started) / 1000).toFixed(1)} s in all (float64 on the CPU)`);

async function promptGaps(
  w: Gpt2Weights,
  s: TranscoderSet,
  prompt: string,
): Promise<Map<string, number[]>> {
  const { graph } = await attribute(w, s, encodeText(prompt), { prompt });
  const n = graph.nodes.length;
  const { nodeInfluence } = pruneGraph(graph);
  const topRow = graph.nodes.findIndex((node) => node.type === "logit");
  const topLogit = graph.nodes[topRow]!;
  if (topLogit.type !== "logit") throw new Error("the graph has no logit node");
  console.log(
    `${JSON.stringify(prompt)}: ${graph.tokens.length} tokens with BOS, ${graph.nFeatures} active ` +
      `features, top logit ${JSON.stringify(decodeTokens([topLogit.token]))} (p = ${topLogit.probability.toFixed(3)})`,
  );
  const gaps = new Map<string, number[]>();
  let edgeCheck = 0;
  for (let layer = nLayer - 1; layer >= 0; layer--) {
    // A feature of no influence (a last-layer one before the last position) moves no logit.
    const ranked = graph.nodes
      .map((node, i) => ({ node, i }))
      .filter(
        ({ node, i }) => node.type === "feature" && node.layer === layer && nodeInfluence[i]! > 0,
      )
      .sort((a, b) => nodeInfluence[b.i]! - nodeInfluence[a.i]!)
      .slice(0, perLayer);
    for (const downstream of variantsOf(layer)) {
      const lists: Record<Measure, number[]> = {
        actual: [],
        "actual, ln_final scale held": [],
      };
      for (const { node, i } of ranked) {
        if (node.type !== "feature") continue;
        const outcome = featureIntervention(
          w,
          s,
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
        const gap = (actual: number) => Math.abs(change.predicted - actual) / Math.abs(actual);
        lists.actual.push(gap(change.actual));
        lists["actual, ln_final scale held"].push(gap(change.actualLnFinalScaleHeld));
      }
      for (const m of MEASURES) gaps.set(keyOf(layer, downstream, m), lists[m]);
    }
  }
  printTable(gaps);
  console.log(
    `  (predicted = −A[top logit, f]: the engine matches the graph's edges to ${edgeCheck.toExponential(1)} relative)`,
  );
  return gaps;
}

/** Per layer, the median gap of each measurement, for each downstream model. */
function printTable(gaps: Map<string, number[]>): void {
  const columns = (["model", "frozen-errors"] as const).flatMap((downstream) =>
    MEASURES.map((measure) => ({ downstream, measure })),
  );
  const title = (c: (typeof columns)[number]) =>
    `${c.measure} (${c.downstream === "model" ? "model MLPs" : "frozen errors"})`;
  const widths = columns.map((c) => title(c).length);
  console.log(`  layer  ${columns.map((c) => title(c)).join("  ")}  features`);
  for (let layer = nLayer - 1; layer >= 0; layer--) {
    const cells = columns.map((c, i) => {
      const list = gaps.get(keyOf(layer, c.downstream, c.measure));
      return (list ? percent(median(list)) : "—").padStart(widths[i]!);
    });
    const count = gaps.get(keyOf(layer, "model", "actual"))?.length ?? 0;
    console.log(`  ${String(layer).padStart(5)}  ${cells.join("  ")}  ${count}`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function percent(x: number): string {
  // Below 0.1% (float rounding where the prediction is exact) the size still shows.
  return x < 1e-3 ? `${(100 * x).toExponential(1)}%` : `${(100 * x).toFixed(1)}%`;
}
