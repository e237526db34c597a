import { describe, expect, it } from "vitest";
import { FormatError } from "../formats/formatError.ts";
import { circuitTracerSmallGraph, handGraph } from "./circuitTestGraphs.ts";
import {
  addGraphMetadata,
  buildGraphJson,
  graphJsonText,
  parseGraphJson,
  parseGraphMetadataJson,
} from "./graphJson.ts";
import { cantorPair, cantorUnpair, pythonFixed3 } from "./graphJsonNodes.ts";
import type { GraphJson } from "./graphJsonTypes.ts";
import { pruneGraph } from "./pruning.ts";

const VOCAB: Record<number, string> = {
  50256: "<|endoftext|>",
  464: "The",
  3797: " cat",
  3332: " sat",
  318: " is",
};
const decodeToken = (t: number) => VOCAB[t] ?? `#${t}`;

/**
 * 2 layers, prompt "<|endoftext|>The cat". Nodes: features 0 (L0 P1 #37), 1 (L1 P2 #37),
 * 2 (L0 P2 #1); errors 3-8 (3 + 3ℓ + p); embeddings 9-11; logits 12 (" sat", 0.62), 13 (" is", 0.3).
 */
function demoGraph() {
  const graph = handGraph({
    nLayer: 2,
    tokens: [50256, 464, 3797],
    features: [
      [0, 1, 37, 2.5],
      [1, 2, 37, 3.1],
      [0, 2, 1, 0.7],
    ],
    logits: [
      [3332, 0.62],
      [318, 0.3],
    ],
    edges: [
      [0, 10, 1.25],
      [1, 0, 2],
      [1, 11, -0.5],
      [2, 11, 0.75],
      [12, 1, 3],
      [12, 8, -1],
      [12, 11, 0.5],
      [13, 1, 1],
      [13, 2, 2],
    ],
  });
  return {
    ...graph,
    prompt: "<|endoftext|>The cat",
    tokenStrings: ["<|endoftext|>", "The", " cat"],
    scan: "tiny-gpt2-2l",
  };
}

/** Thresholds of 1 keep every node with influence and every edge between kept nodes. */
const keepAll = { slug: "demo", decodeToken, nodeThreshold: 1, edgeThreshold: 1 };

/** A graph file as plain JSON, to break in tests. */
interface EditableGraph {
  metadata: Record<string, unknown>;
  qParams: Record<string, unknown>;
  nodes: Record<string, unknown>[];
  links: Record<string, unknown>[];
}

const byId = (json: GraphJson, id: string) => {
  const node = json.nodes.find((n) => n.node_id === id);
  if (node === undefined) throw new Error(`no node ${id}`);
  return node;
};

describe("buildGraphJson", () => {
  it("writes circuit-tracer's node fields, in its field order, for each node type", () => {
    const json = buildGraphJson(demoGraph(), keepAll);
    // Cantor(1, 37) = 38·39/2 + 37.
    expect(byId(json, "1_37_2")).toEqual({
      node_id: "1_37_2",
      feature: 778,
      layer: "1",
      ctx_idx: 2,
      feature_type: "cross layer transcoder",
      token_prob: 0,
      is_target_logit: false,
      run_idx: 0,
      reverse_ctx_idx: 0,
      jsNodeId: "1_37-0",
      clerp: "",
      influence: expect.any(Number),
      activation: 3.1,
    });
    expect(Object.keys(byId(json, "1_37_2"))).toEqual([
      "node_id",
      "feature",
      "layer",
      "ctx_idx",
      "feature_type",
      "token_prob",
      "is_target_logit",
      "run_idx",
      "reverse_ctx_idx",
      "jsNodeId",
      "clerp",
      "influence",
      "activation",
    ]);
    expect(byId(json, "1_-1_2")).toMatchObject({
      feature: -1,
      layer: "1",
      ctx_idx: 2,
      jsNodeId: "1_2-0",
      feature_type: "mlp reconstruction error",
      activation: null,
    });
    expect(byId(json, "E_3797_2")).toMatchObject({
      feature: 2,
      layer: "E",
      ctx_idx: 2,
      jsNodeId: "E_3797-2",
      feature_type: "embedding",
      activation: null,
    });
    expect(byId(json, "3_3332_2")).toEqual({
      node_id: "3_3332_2",
      feature: 3332,
      layer: "3",
      ctx_idx: 2,
      feature_type: "logit",
      token_prob: 0.62,
      is_target_logit: true,
      run_idx: 0,
      reverse_ctx_idx: 0,
      jsNodeId: "L_3332-2",
      clerp: 'Output " sat" (p=0.620)',
      influence: null,
      activation: null,
    });
    expect(byId(json, "3_318_2")).toMatchObject({
      is_target_logit: false,
      clerp: 'Output " is" (p=0.300)',
    });
  });

  it("writes the kept nodes on kept edges plus every embedding and logit, and only links between them", () => {
    const graph = demoGraph();
    const json = buildGraphJson(graph, keepAll);
    const ids = json.nodes.map((n) => n.node_id);
    // Errors other than (1, 2) have no influence; the BOS embedding has none but is written.
    expect(ids).toEqual([
      "0_37_1",
      "1_37_2",
      "0_1_2",
      "1_-1_2",
      "E_50256_0",
      "E_464_1",
      "E_3797_2",
      "3_3332_2",
      "3_318_2",
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const link of json.links) {
      expect(ids).toContain(link.source);
      expect(ids).toContain(link.target);
    }
    // Every edge of the graph, in row-major (target, source) order, with the raw signed weight.
    expect(json.links).toEqual([
      { source: "E_464_1", target: "0_37_1", weight: 1.25 },
      { source: "0_37_1", target: "1_37_2", weight: 2 },
      { source: "E_3797_2", target: "1_37_2", weight: -0.5 },
      { source: "E_3797_2", target: "0_1_2", weight: 0.75 },
      { source: "1_37_2", target: "3_3332_2", weight: 3 },
      { source: "1_-1_2", target: "3_3332_2", weight: -1 },
      { source: "E_3797_2", target: "3_3332_2", weight: 0.5 },
      { source: "1_37_2", target: "3_318_2", weight: 1 },
      { source: "0_1_2", target: "3_318_2", weight: 2 },
    ]);
  });

  it("writes the pruning's cumulative influence and keeps what pruneGraph keeps at the default thresholds", () => {
    const graph = circuitTracerSmallGraph();
    const pruned = pruneGraph(graph);
    const json = buildGraphJson(graph, { slug: "small", decodeToken });
    // Kept: features 1, 3 (0_2_1, 0_4_1), errors 6 (0_-1_1), 8 (1_-1_1), tokens, the logit.
    expect(json.nodes.map((n) => n.node_id)).toEqual([
      "0_2_1",
      "0_4_1",
      "0_-1_1",
      "1_-1_1",
      "E_0_0",
      "E_1_1",
      "3_0_1",
    ]);
    expect(json.nodes.map((n) => n.influence)).toEqual(
      [0.2, 0.55, 0.4, 0.7, 0.85, 0.95, null].map((x, i) =>
        i === 6 ? null : expect.closeTo(x!, 12),
      ),
    );
    expect(json.links).toHaveLength(pruned.edgeMask.reduce((a, b) => a + b, 0));
  });

  it("avoids circuit-tracer's old error-id collision: error (1, p) and layer 0's feature 1 at p", () => {
    const json = buildGraphJson(demoGraph(), keepAll);
    expect(byId(json, "0_1_2").feature_type).toBe("cross layer transcoder");
    expect(byId(json, "1_-1_2").feature_type).toBe("mlp reconstruction error");
  });

  it("writes metadata, qParams and labels from the options", () => {
    const json = buildGraphJson(demoGraph(), {
      ...keepAll,
      scan: ["tc-l0", "tc-l1"],
      clerps: new Map([
        [1, "cat-ness"],
        [12, "ignored for logits"],
      ]),
      pinnedIds: ["1_37_2"],
      supernodes: [["animals", "0_37_1", "1_37_2"]],
      info: { description: "demo" },
    });
    expect(json.metadata).toEqual({
      slug: "demo",
      scan: expect.stringMatching(/^custom-\d+$/),
      transcoder_list: ["tc-l0", "tc-l1"],
      prompt_tokens: ["<|endoftext|>", "The", " cat"],
      prompt: "<|endoftext|>The cat",
      node_threshold: 1,
      schema_version: 1,
      info: { description: "demo" },
      pruning_settings: { node_threshold: 1, edge_threshold: 1 },
    });
    expect(json.qParams).toEqual({
      pinnedIds: ["1_37_2"],
      supernodes: [["animals", "0_37_1", "1_37_2"]],
      linkType: "both",
      clickedId: "",
      sg_pos: "",
    });
    expect(byId(json, "1_37_2").clerp).toBe("cat-ness");
    expect(byId(json, "3_3332_2").clerp).toBe('Output " sat" (p=0.620)');
    expect(buildGraphJson(demoGraph(), keepAll).metadata.scan).toBe("tiny-gpt2-2l");
  });

  it("rejects pinned ids and supernode members that are not written nodes", () => {
    expect(() => buildGraphJson(demoGraph(), { ...keepAll, pinnedIds: ["0_-1_1"] })).toThrow(
      /pinned id "0_-1_1" is not a node/,
    );
    expect(() => buildGraphJson(demoGraph(), { ...keepAll, supernodes: [["x", "9_9_9"]] })).toThrow(
      /supernode "x" member "9_9_9"/,
    );
  });
});

describe("graph JSON text", () => {
  it("round-trips through parseGraphJson", () => {
    const json = buildGraphJson(demoGraph(), {
      ...keepAll,
      clerps: new Map([[0, 'the "The" feature']]),
    });
    expect(parseGraphJson(graphJsonText(json), "demo.json")).toEqual(json);
  });

  it("reads Neuronpedia's looser types: integer layers, null features, absent optional fields", () => {
    const text = JSON.stringify({
      metadata: { slug: "np", scan: "gemma-2-2b", prompt_tokens: ["<bos>", "a"], prompt: "a" },
      qParams: {},
      nodes: [
        {
          node_id: "E_2_0",
          feature: null,
          layer: 0,
          ctx_idx: 0,
          feature_type: "embedding",
          jsNodeId: "E_2-0",
          clerp: "",
        },
      ],
      links: [],
    });
    const json = parseGraphJson(text, "np.json");
    expect(json.nodes[0]).toMatchObject({
      layer: "0",
      feature: null,
      influence: null,
      token_prob: 0,
      is_target_logit: false,
    });
    expect(json.metadata).toMatchObject({
      transcoder_list: [],
      node_threshold: null,
      schema_version: null,
    });
    expect(json.qParams).toEqual({
      pinnedIds: [],
      supernodes: [],
      linkType: "both",
      clickedId: "",
      sg_pos: "",
    });
  });

  it("names the file and the field in every error", () => {
    const good = buildGraphJson(demoGraph(), keepAll);
    const bad = (mutate: (j: EditableGraph) => void) => {
      const j = JSON.parse(graphJsonText(good)) as EditableGraph;
      mutate(j);
      return () => parseGraphJson(JSON.stringify(j), "g.json");
    };
    expect(() => parseGraphJson("{nodes:", "g.json")).toThrow(/^g\.json: not valid JSON/);
    expect(() => parseGraphJson("[]", "g.json")).toThrow(
      "g.json: the top level: expected an object, found an array of 0",
    );
    expect(bad((j) => Reflect.deleteProperty(j, "links"))).toThrow(
      'g.json: the top level: the required field "links" is missing',
    );
    expect(bad((j) => (j.metadata.prompt_tokens = "abc"))).toThrow(
      'metadata.prompt_tokens: expected an array, found the string "abc"',
    );
    expect(bad((j) => (j.nodes[2]!.ctx_idx = -1))).toThrow(
      "nodes[2].ctx_idx: expected an integer ≥ 0, found number -1",
    );
    expect(bad((j) => (j.nodes[2]!.ctx_idx = 3))).toThrow(
      "nodes[2].ctx_idx: expected a position < 3 (metadata.prompt_tokens has 3), found number 3",
    );
    expect(bad((j) => (j.nodes[1]!.feature = 1.5))).toThrow(
      "nodes[1].feature: expected an integer, found number 1.5",
    );
    expect(bad((j) => (j.nodes[0]!.influence = "high"))).toThrow(
      'nodes[0].influence: expected a finite number, found the string "high"',
    );
    expect(bad((j) => (j.nodes[3]!.node_id = j.nodes[0]!.node_id))).toThrow(
      `nodes[3].node_id: "0_37_1" is also nodes[0]'s`,
    );
    expect(bad((j) => (j.links[4]!.target = "7_7_7"))).toThrow(
      'links[4].target: "7_7_7" is not the node_id of any node',
    );
    expect(bad((j) => (j.links[0]!.weight = null))).toThrow(
      "links[0].weight: expected a finite number, found null",
    );
    expect(bad((j) => (j.qParams.supernodes = [["a", 3]]))).toThrow(
      "qParams.supernodes[0][1]: expected a string, found number 3",
    );
    expect(bad((j) => Object.assign(j, { nodes: {} }))).toThrow(FormatError);
  });
});

describe("graph-metadata.json", () => {
  it("replaces a graph of the same slug and appends the new one last", () => {
    const a = buildGraphJson(demoGraph(), { ...keepAll, slug: "a" }).metadata;
    const b = buildGraphJson(demoGraph(), { ...keepAll, slug: "b" }).metadata;
    const a2 = { ...a, prompt: "changed" };
    const text = addGraphMetadata(addGraphMetadata(addGraphMetadata(undefined, a), b), a2);
    expect(parseGraphMetadataJson(text, "graph-metadata.json").graphs).toEqual([b, a2]);
    expect(() => addGraphMetadata('{"graphs": [{"slug": 1}]}', a)).toThrow(
      "graph-metadata.json: graphs[0].slug: expected a string, found number 1",
    );
  });
});

describe("node encodings", () => {
  it("Cantor-pairs (layer, feature) and back", () => {
    expect(cantorPair(0, 0)).toBe(0);
    expect(cantorPair(1, 37)).toBe(778);
    for (const [layer, feature] of [
      [0, 5],
      [25, 0],
      [11, 24575],
      [40, 1_048_575],
    ]) {
      expect(cantorUnpair(cantorPair(layer!, feature!))).toEqual({ layer, feature });
    }
  });

  it("formats a probability as Python's {:.3f}, ties to even", () => {
    expect(pythonFixed3(0.0625)).toBe("0.062"); // 0.0625 is exact: a tie, 2 is even
    expect(pythonFixed3(0.1875)).toBe("0.188");
    expect(pythonFixed3(0.3125)).toBe("0.312");
    expect(pythonFixed3(0.62)).toBe("0.620");
    expect(pythonFixed3(0.0005)).toBe("0.001"); // 0.0005 is slightly above the tie in binary
  });
});
