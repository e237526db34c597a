/**
 * The Circuits view's work in the engine worker: attribution graphs computed on the worker's GPU
 * device (progress, Cancel), pruned and scored here; the last graph is kept in memory (and every
 * graph's adjacency in IndexedDB) for re-pruning, subgraph scores and weight connections. Every
 * failure is that request's circuit-error; none escapes to the worker.
 */
import { attribute } from "../engine/circuits/attribute.ts";
import type { AttributionGraph } from "../engine/circuits/attributionGraph.ts";
import type { TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import {
  deembedding,
  downstreamConnections,
  upstreamConnections,
} from "../engine/circuits/weightConnections.ts";
import type { ShaderLibrary } from "../engine/gpu/shaderLibrary.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { decodeTokens, encodeText } from "../engine/text/tokenizer.ts";
import { graphsDb } from "../storage/graphsDb.ts";
import { graphFile, subgraphScores, type GraphFile } from "./circuitsGraph.ts";
import type {
  TranscoderSetRef,
  CircuitThresholds,
  FromWorkerCircuits,
  ToWorkerCircuits,
} from "./circuitsProtocol.ts";
import { assembleSet, type SetSources } from "./circuitsSet.ts";

export interface CircuitsWorkerDeps extends SetSources {
  device: () => Promise<GPUDevice>;
  shaders: ShaderLibrary;
  /** The model's host weights; throws, saying why, when attribution cannot run on it. */
  weights: () => Promise<Gpt2Weights>;
  /** Why the GPU is not free for a graph now, or undefined. */
  busy: () => string | undefined;
  post: (m: FromWorkerCircuits) => void;
  /** Keeps a graph's adjacency (IndexedDB); injectable for tests. */
  store?: {
    putFull: (id: string, graph: AttributionGraph) => Promise<void>;
    full: (id: string) => Promise<AttributionGraph | undefined>;
  };
}

const PROGRESS_MS = 150;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const decodeToken = (token: number) => decodeTokens([token]);
const setKey = (ref: TranscoderSetRef) =>
  ref.kind === "run" ? `run:${ref.runId}` : `loaded:${ref.loadIds.join(",")}`;

export class CircuitsWorker {
  private running: { requestId: string; controller: AbortController } | undefined;
  /** The last graph used, with its last pruning. */
  private kept:
    { id: string; graph: AttributionGraph; file?: GraphFile & { key: string } } | undefined;
  /** The last set assembled (connections ask for one feature at a time). */
  private lastSet: { key: string; set: TranscoderSet; weights: Gpt2Weights } | undefined;

  constructor(private readonly deps: CircuitsWorkerDeps) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  handle(m: ToWorkerCircuits): void {
    const fail = (err: unknown) =>
      this.deps.post({ type: "circuit-error", requestId: m.requestId, message: messageOf(err) });
    switch (m.type) {
      case "circuit-compute":
        this.compute(m).catch(fail);
        break;
      case "circuit-cancel":
        if (this.running?.requestId === m.requestId) this.running.controller.abort();
        break;
      case "circuit-prune":
        this.prune(m.requestId, m.graphId, m.thresholds).catch(fail);
        break;
      case "circuit-subgraph":
        this.subgraph(m).catch(fail);
        break;
      case "circuit-connections":
        this.connections(m).catch(fail);
        break;
    }
  }

  private async setOf(ref: TranscoderSetRef) {
    const key = setKey(ref);
    if (this.lastSet?.key !== key || ref.kind === "loaded") {
      const weights = await this.deps.weights();
      this.lastSet = { key, weights, set: await assembleSet(ref, weights, this.deps) };
    }
    return this.lastSet;
  }

  private async compute(m: Extract<ToWorkerCircuits, { type: "circuit-compute" }>) {
    if (this.running) throw new Error("a graph is already being computed; cancel it first");
    const busy = this.deps.busy();
    if (busy) throw new Error(busy);
    const tokens = encodeText(m.prompt);
    if (tokens.length === 0) throw new Error("the prompt is empty; type the text to attribute");
    const controller = new AbortController();
    this.running = { requestId: m.requestId, controller };
    const { requestId } = m;
    const progress = (
      stage: "loading" | "rows" | "pruning",
      rowsDone = 0,
      rowsTotal = 0,
      passes = 0,
    ) =>
      this.deps.post({ type: "circuit-progress", requestId, stage, rowsDone, rowsTotal, passes });
    try {
      const started = performance.now();
      progress("loading");
      const [{ set, weights }, device] = await Promise.all([this.setOf(m.set), this.deps.device()]);
      let last = -Infinity;
      const run = await attribute(weights, set, tokens, {
        device: { device, shaders: this.deps.shaders },
        signal: controller.signal,
        prompt: m.prompt,
        ...(m.maxFeatureNodes !== undefined ? { maxFeatureNodes: m.maxFeatureNodes } : {}),
        ...(m.batchRows !== undefined ? { batchRows: m.batchRows } : {}),
        onProgress: (rowsDone, rowsTotal, passes) => {
          const now = performance.now();
          if (now - last < PROGRESS_MS && rowsDone < rowsTotal) return;
          last = now;
          progress("rows", rowsDone, rowsTotal, passes);
        },
      });
      controller.signal.throwIfAborted();
      progress("pruning");
      const { graph } = run;
      const file = graphFile(graph, m.thresholds, {
        slug: m.graphId,
        decodeToken,
        info: { description: `computed in the browser from ${m.setName}`, set: m.setName },
      });
      this.kept = { id: m.graphId, graph, file: { ...file, key: thresholdKey(m.thresholds) } };
      await this.store().putFull(m.graphId, graph);
      this.deps.post({
        type: "circuit-ready",
        requestId,
        graphId: m.graphId,
        json: file.json,
        scores: file.scores,
        seconds: (performance.now() - started) / 1000,
        passes: run.passes,
        rows: run.rows,
      });
    } catch (err) {
      // A cancelled request says nothing more.
      if (!controller.signal.aborted) throw err;
    } finally {
      if (this.running?.requestId === requestId) this.running = undefined;
    }
  }

  private store() {
    return this.deps.store ?? graphsDb;
  }

  /** The graph kept under graphId: in memory, or read back from IndexedDB. */
  private async graph(graphId: string): Promise<AttributionGraph> {
    if (this.kept?.id === graphId) return this.kept.graph;
    const graph = await this.store().full(graphId);
    if (!graph) {
      throw new Error(
        "this graph's adjacency is not kept (it was not computed here); compute it again",
      );
    }
    this.kept = { id: graphId, graph };
    return graph;
  }

  private async pruned(graphId: string, thresholds: CircuitThresholds): Promise<GraphFile> {
    const graph = await this.graph(graphId);
    const key = thresholdKey(thresholds);
    const kept = this.kept!;
    if (kept.file?.key === key) return kept.file;
    const file = graphFile(graph, thresholds, {
      slug: graphId,
      decodeToken,
      info: kept.file?.json.metadata.info ?? {},
      ...(kept.file ? { full: kept.file.scores.full } : {}),
    });
    kept.file = { ...file, key };
    return file;
  }

  private async prune(requestId: string, graphId: string, thresholds: CircuitThresholds) {
    const file = await this.pruned(graphId, thresholds);
    this.deps.post({
      type: "circuit-pruned",
      requestId,
      graphId,
      json: file.json,
      scores: file.scores,
    });
  }

  private async subgraph(m: Extract<ToWorkerCircuits, { type: "circuit-subgraph" }>) {
    const file = await this.pruned(m.graphId, m.thresholds);
    const result = subgraphScores(this.kept!.graph, file.pruned, m.pinnedIds);
    this.deps.post({ type: "circuit-subgraph", requestId: m.requestId, ...result });
  }

  private async connections(m: Extract<ToWorkerCircuits, { type: "circuit-connections" }>) {
    const { set, weights } = await this.setOf(m.set);
    const t = set.layers[m.layer];
    if (!t) throw new Error(`this set has no transcoder at layer ${m.layer}`);
    const de = deembedding(weights.wte, weights.config.vocabSize, t, m.feature);
    this.deps.post({
      type: "circuit-connections",
      requestId: m.requestId,
      connections: {
        upstream: upstreamConnections(set.layers, m.layer, m.feature),
        downstream: downstreamConnections(set.layers, m.layer, m.feature),
        deembedding: {
          ...de,
          topText: de.top.map((e) => decodeToken(e.index)),
          bottomText: de.bottom.map((e) => decodeToken(e.index)),
        },
      },
    });
  }
}

const thresholdKey = (t: CircuitThresholds) => `${t.node}/${t.edge}`;
