/**
 * npm run attribute: one run on the built-in model with a small transcoder set written here
 * (graph.json, graph-metadata.json, the adjacency file checked against a float64 recomputation),
 * and its refusals, in-process where they need no process of their own.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTRIBUTE_HELP } from "../src/cli/attributeHelp.ts";
import { graphNodeIds } from "../src/engine/circuits/graphNodeIds.ts";
import { ATTRIBUTE_OPTIONS, parseAttributeFlags } from "../src/cli/attributeFlags.ts";
import { loadAttributeInputs, promptTokens } from "../src/cli/attributeInputs.ts";
import { CliError } from "../src/cli/cliError.ts";
import { attribute } from "../src/engine/circuits/attribute.ts";
import { parseGraphJson, parseGraphMetadataJson } from "../src/engine/circuits/graphJson.ts";
import { randomTranscoderSet } from "../src/engine/circuits/randomTranscoderSet.ts";
import { writeTranscoderSet } from "../src/engine/circuits/setFiles.ts";
import type { TranscoderSet } from "../src/engine/circuits/transcoderSet.ts";
import { bytesByteSource } from "../src/engine/formats/byteSource.ts";
import { openSafetensors } from "../src/engine/formats/safetensors.ts";
import { encodeText, GPT2_EOT } from "../src/engine/text/tokenizer.ts";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "attribute-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BUILTIN = "gpt2-brown (built-in)";
const D = 128;

function writeSet(folder: string, set: TranscoderSet): string {
  for (const [path, bytes] of Object.entries(writeTranscoderSet(set).files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), bytes);
  }
  return folder;
}

// Width 64 at every layer, three architectures, a skip connection.
const setDir = writeSet(
  join(dir, "set"),
  randomTranscoderSet(
    D,
    [
      { dSae: 64, activation: { kind: "relu" } },
      { dSae: 64, activation: { kind: "topk", k: 8 } },
      { dSae: 64, activation: { kind: "jumprelu", relu: false }, skip: true },
      { dSae: 64, activation: { kind: "relu" } },
    ],
    3,
    BUILTIN,
  ),
);

function cli(args: string[]) {
  return spawnSync("npx", ["tsx", join(root, "src", "cli", "attribute.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
}

async function cliRefusal(run: () => Promise<unknown>): Promise<string> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  const message = (err as Error).message;
  expect(message).not.toContain("\n");
  return message;
}

const PROMPT = "The cat sat on";
const graphsDir = join(dir, "graphs");
const out = join(graphsDir, "cat.json");
const adjacencyPath = join(graphsDir, "cat.safetensors");

describe("npm run attribute", () => {
  let run: ReturnType<typeof cli>;
  beforeAll(() => {
    // An earlier graph in the folder: its metadata stays in the list.
    mkdirSync(graphsDir, { recursive: true });
    const earlier = { slug: "earlier", scan: "gpt2-brown", prompt_tokens: [], prompt: "" };
    writeFileSync(join(graphsDir, "graph-metadata.json"), JSON.stringify({ graphs: [earlier] }));
    run = cli([
      ...["--model", "builtin", "--transcoders", setDir, "--prompt", PROMPT],
      ...["--batch-rows", "64", "--out", out, "--adjacency", adjacencyPath],
    ]);
  });

  it("writes circuit-tracer's graph file and its metadata beside it", () => {
    expect(run.status, run.stderr).toBe(0);
    const json = parseGraphJson(readFileSync(out, "utf8"), out);
    const tokens = [GPT2_EOT, ...encodeText(PROMPT)];
    expect(json.metadata).toMatchObject({
      slug: "cat",
      scan: "gpt2-brown",
      prompt: `<|endoftext|>${PROMPT}`,
      prompt_tokens: ["<|endoftext|>", "The", " cat", " sat", " on"],
      node_threshold: 0.8,
      schema_version: 1,
      pruning_settings: { node_threshold: 0.8, edge_threshold: 0.98 },
    });
    const ids = json.nodes.map((n) => n.node_id);
    expect(new Set(ids).size).toBe(ids.length);
    const written = new Set(ids);
    for (const link of json.links) {
      expect(written.has(link.source) && written.has(link.target), link.source).toBe(true);
    }
    expect(json.links.length).toBeGreaterThan(0);
    const embeddings = json.nodes.filter((n) => n.feature_type === "embedding");
    expect(embeddings.map((n) => n.node_id)).toEqual(tokens.map((t, p) => `E_${t}_${p}`));
    const logits = json.nodes.filter((n) => n.feature_type === "logit");
    expect(logits.filter((n) => n.is_target_logit)).toHaveLength(1);
    for (const n of logits) expect(n.node_id).toMatch(new RegExp(`^5_\\d+_${tokens.length - 1}$`));
    const list = parseGraphMetadataJson(
      readFileSync(join(graphsDir, "graph-metadata.json"), "utf8"),
      "graph-metadata.json",
    );
    expect(list.graphs.map((g) => g.slug)).toEqual(["earlier", "cat"]);
  });

  it("prints progress and a summary whose passes are ⌈logits / B⌉ + ⌈features / B⌉", () => {
    expect(run.status, run.stderr).toBe(0);
    const rows = /(\d+)\/\1 rows, (\d+) backward passes/.exec(run.stderr);
    expect(rows, run.stderr).not.toBeNull();
    const graph =
      /graph: (\d+) nodes \((\d+) features, 20 errors, 5 embeddings, (\d+) logits\)/.exec(
        run.stdout,
      );
    expect(graph, run.stdout).not.toBeNull();
    const [features, logits] = [Number(graph![2]), Number(graph![3])];
    const passes = Math.ceil(logits / 64) + Math.ceil(features / 64);
    expect(run.stdout).toContain(`${features + logits} rows in ${passes} backward passes`);
    expect(run.stdout).toMatch(/full graph replacement 0\.\d{4}, completeness [01]\.\d{4}/);
  });

  it("writes the full adjacency, equal to a float64 recomputation, with the graph file's links", async () => {
    expect(run.status, run.stderr).toBe(0);
    const bytes = new Uint8Array(readFileSync(adjacencyPath));
    const file = await openSafetensors(bytesByteSource(bytes, adjacencyPath));
    const ids = JSON.parse(file.metadata.node_ids!) as string[];
    const n = ids.length;
    const adjacency = await file.readF32("adjacency");
    expect(adjacency.length).toBe(n * n);

    const inputs = await loadAttributeInputs({
      model: "builtin",
      processing: true,
      transcoders: [setDir],
      prompt: PROMPT,
    });
    const { graph } = await attribute(inputs.weights, inputs.set, inputs.tokens);
    expect(graphNodeIds(graph)).toEqual(ids);
    expect([...(await file.readI32("tokens"))]).toEqual(graph.tokens);
    expect(file.metadata.n_features).toBe(String(graph.nFeatures));
    expect((await file.readI32("features")).length).toBe(3 * graph.nFeatures);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < n * n; i++) {
      worst = Math.max(worst, Math.abs(adjacency[i]! - graph.adjacency[i]!));
      scale = Math.max(scale, Math.abs(graph.adjacency[i]!));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(worst / scale).toBeLessThan(1e-5);

    const index = new Map(ids.map((id, i) => [id, i]));
    const json = parseGraphJson(readFileSync(out, "utf8"), out);
    for (const { source, target, weight } of json.links) {
      expect(weight).toBe(adjacency[index.get(target)! * n + index.get(source)!]);
    }
  });

  it("refuses an empty prompt with one line on stderr and exit code 1", () => {
    const r = cli(["--model", "builtin", "--transcoders", setDir, "--prompt", "", "--out", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("attribute: --prompt is empty; give the text to attribute\n");
  });
});

describe("npm run attribute's refusals", () => {
  const base = ["--model", "builtin", "--transcoders", "set", "--prompt", "Hi"];
  const refusal = (argv: string[]) => cliRefusal(async () => parseAttributeFlags(argv));

  it("names the flag and what it expected", async () => {
    expect(await refusal([...base])).toBe("missing --out");
    expect(await refusal(["--model", "builtin", "--prompt", "Hi", "--out", "g.json"])).toBe(
      "missing --transcoders PATH...",
    );
    expect(await refusal([...base, "--out", "g.txt"])).toBe(
      "--out g.txt: expected a .json file (circuit-tracer's {slug}.json)",
    );
    expect(await refusal([...base, "--out", "g.json", "--batch-rows", "0"])).toBe(
      '--batch-rows expects an integer >= 1, got "0"',
    );
    expect(await refusal([...base, "--out", "g.json", "--max-logits", "2.5"])).toBe(
      '--max-logits expects an integer >= 1, got "2.5"',
    );
    expect(await refusal([...base, "--out", "g.json", "--node-threshold", "1.5"])).toBe(
      '--node-threshold expects a number in [0, 1], got "1.5"',
    );
    expect(await refusal([...base, "--out", "g.json", "--edge-threshold", "x"])).toBe(
      '--edge-threshold expects a number >= 0, got "x"',
    );
    expect(await refusal([...base, "--out", "g.json", "--logit-prob", "0"])).toBe(
      '--logit-prob expects a number in (0, 1], got "0"',
    );
  });

  it("parses the defaults, the slug from --out, and several per-layer paths", () => {
    const s = parseAttributeFlags([
      ...["--model", "builtin", "--transcoders", "a/L0", "a/L1", "--prompt", "Hi"],
      ...["--out", "graphs/hi.json"],
    ]);
    expect(s).toEqual({
      model: "builtin",
      processing: true,
      transcoders: ["a/L0", "a/L1"],
      prompt: "Hi",
      maxLogits: 10,
      logitProb: 0.95,
      nodeThreshold: 0.8,
      edgeThreshold: 0.98,
      maxFeatureNodes: 7500,
      batchRows: 256,
      slug: "hi",
      out: "graphs/hi.json",
    });
  });

  it("documents every flag and the node ids in --help", () => {
    for (const flag of Object.keys(ATTRIBUTE_OPTIONS))
      expect(ATTRIBUTE_HELP).toContain(`--${flag}`);
    for (const id of ["{ℓ}_{f}_{p}", "{ℓ}_-1_{p}", "E_{t}_{p}", "{L+1}_{t}_{P-1}"]) {
      expect(ATTRIBUTE_HELP).toContain(id);
    }
  });

  it("refuses a prompt longer than the context, saying both lengths", async () => {
    const words = Array.from({ length: 127 }, () => " the").join("");
    expect(promptTokens(words, 128)).toHaveLength(127);
    expect(await cliRefusal(async () => promptTokens(`${words} the`, 128))).toBe(
      "--prompt has 129 tokens with <|endoftext|> first; the model's context is 128 tokens",
    );
  });

  it("refuses a set that does not fit the model, or mixes models, naming the file", async () => {
    const load = (transcoders: string[]) =>
      cliRefusal(() =>
        loadAttributeInputs({ model: "builtin", processing: true, transcoders, prompt: "Hi" }),
      );
    const narrow = writeSet(
      join(dir, "narrow"),
      randomTranscoderSet(64, [{ dSae: 16, activation: { kind: "relu" } }], 1, BUILTIN),
    );
    expect(await load([narrow])).toMatch(
      /^--transcoders: .*transcoder\.L0.*width-64 model; the loaded model is the built-in gpt2-brown, width 128, 4 layers$/,
    );
    const shape = { dSae: 16, activation: { kind: "relu" } } as const;
    const mixed: TranscoderSet = {
      modelName: BUILTIN,
      layers: [
        randomTranscoderSet(D, [shape], 1, BUILTIN).layers[0],
        randomTranscoderSet(D, [undefined, shape], 1, "gpt2-other").layers[1],
      ],
    };
    const mixedDir = writeSet(join(dir, "mixed"), mixed);
    const message = await load([join(mixedDir, "transcoder.L0"), join(mixedDir, "transcoder.L1")]);
    expect(message).toMatch(/^--transcoders: .*mixes transcoders made for different models/);
    expect(message).toContain('"gpt2-other" (layers 1)');
  });
});
