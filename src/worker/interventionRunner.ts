/**
 * The worker's side of interventions and steering: resolves the set or dictionary, tokenizes,
 * runs the float64 engine (src/engine/circuits/intervention.ts, interventionSteering.ts) on the
 * model's host weights, and answers with decoded tokens. One request at a time, in order.
 */
import { withBos } from "../engine/circuits/attributionNodes.ts";
import { featureIntervention } from "../engine/circuits/intervention.ts";
import { steerFeature } from "../engine/circuits/interventionSteering.ts";
import type { TopToken } from "../engine/circuits/interventionTypes.ts";
import type { TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import { dictionaryMismatch } from "../engine/model/compatibility.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { decodeTokens, encodeText, GPT2_EOT } from "../engine/text/tokenizer.ts";
import type {
  FromWorkerIntervention,
  GraphLogitEdge,
  InterventionRequest,
  InterventionResult,
  ShownToken,
  SteerRequest,
  SteerResult,
  ToWorkerIntervention,
} from "./interventionProtocol.ts";
import type { TranscoderSetRef } from "./circuitsProtocol.ts";
import { assembleSet, type SetSources } from "./circuitsSet.ts";
import type { FeatureDictionaryRef } from "./protocol.ts";

export interface InterventionRunnerDeps {
  /** The model in use on the host, or undefined when it lives only on the GPU (a loaded one). */
  hostWeights: () => Promise<{ weights: Gpt2Weights; name: string; builtin: boolean } | undefined>;
  transcoderSet: (ref: TranscoderSetRef) => Promise<TranscoderSet>;
  dictionary: (
    ref: FeatureDictionaryRef,
  ) => Promise<{ spec: DictionarySpec; params: DictionaryParams; label: string }>;
  /** Why the model cannot be used now (a run in progress), or undefined. */
  busy: () => string | undefined;
  post: (m: FromWorkerIntervention) => void;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const text = (ids: readonly number[]) => decodeTokens([...ids]);
const shown = (tokens: TopToken[]): ShownToken[] =>
  tokens.map((t) => ({ ...t, text: text([t.token]) }));

export class InterventionRunner {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: InterventionRunnerDeps) {}

  handle(m: ToWorkerIntervention): void {
    const work = () => (m.type === "intervene" ? this.intervene(m) : this.steer(m));
    const next = this.queue.then(work).then(
      (message) => this.deps.post(message),
      (err: unknown) =>
        this.deps.post({
          type: m.type === "intervene" ? "intervention-error" : "steer-error",
          requestId: m.requestId,
          message: messageOf(err),
        }),
    );
    this.queue = next;
  }

  private async model(): Promise<{ weights: Gpt2Weights; name: string; builtin: boolean }> {
    const busy = this.deps.busy();
    if (busy) throw new Error(busy);
    const model = await this.deps.hostWeights();
    if (!model) {
      throw new Error(
        "interventions and steering run on the built-in model; switch back to it to use them",
      );
    }
    return model;
  }

  private async intervene(m: InterventionRequest): Promise<FromWorkerIntervention> {
    const started = performance.now();
    const [{ weights }, set] = await Promise.all([this.model(), this.deps.transcoderSet(m.set)]);
    const ids = "text" in m.prompt ? encodeText(m.prompt.text) : m.prompt.tokens;
    if (ids.length === 0) throw new Error("the prompt has no tokens; type some text");
    const tokens = withBos(ids);
    const downstream = m.downstream ?? "model";
    const freezeAttention = m.freezeAttention ?? true;
    const outcome = featureIntervention(weights, set, tokens, m.interventions, {
      downstream,
      freezeAttention,
      topK: m.topK ?? 10,
      generate: m.generate ?? 0,
    });
    const fromGraph = m.graphEdges && graphPredictions(m.graphEdges, m.interventions.length);
    const result: InterventionResult = {
      tokens: tokens.map((t) => text([t])),
      interventions: outcome.interventions,
      before: shown(outcome.before),
      after: shown(outcome.after),
      changes: outcome.changes.map((c) => {
        const predictedFromGraph = fromGraph?.(c.token, outcome.interventions);
        return {
          ...c,
          text: text([c.token]),
          ...(predictedFromGraph === undefined ? {} : { predictedFromGraph }),
        };
      }),
      downstream,
      freezeAttention,
      ms: 0,
    };
    if (outcome.generated) {
      result.generated = {
        before: text(outcome.generated.before),
        after: text(outcome.generated.after),
      };
    }
    result.ms = performance.now() - started;
    return { type: "intervention-result", requestId: m.requestId, result };
  }

  private async steer(m: SteerRequest): Promise<FromWorkerIntervention> {
    const started = performance.now();
    const [model, d] = await Promise.all([this.model(), this.deps.dictionary(m.dictionary)]);
    const mismatch = dictionaryMismatch(d.spec, model.weights.config, model.name);
    if (mismatch) throw new Error(`${d.label} cannot run on this model: ${mismatch}`);
    // As Try a prompt reads the text: the built-in model without BOS, unless the dictionary says.
    const ids = encodeText(m.text);
    if (d.spec.prependBos ?? !model.builtin) ids.unshift(GPT2_EOT);
    const tokens = ids.slice(0, model.weights.config.nCtx);
    if (tokens.length === 0) throw new Error("the prompt has no tokens; type some text");
    const outcome = steerFeature(model.weights, d, m.feature, m.alpha, tokens, {
      topK: m.topK ?? 10,
      generate: m.generate ?? 0,
    });
    const result: SteerResult = {
      tokens: tokens.map((t) => text([t])),
      site: outcome.site,
      feature: m.feature,
      alpha: m.alpha,
      before: shown(outcome.before),
      after: shown(outcome.after),
      ms: performance.now() - started,
    };
    if (outcome.generated) {
      result.generated = {
        before: text(outcome.generated.before),
        after: text(outcome.generated.after),
      };
    }
    return { type: "steer-result", requestId: m.requestId, result };
  }
}

/** Σ (multiplier − 1) · weight over the given edges into a token's logit node. */
function graphPredictions(
  edges: readonly GraphLogitEdge[],
  count: number,
): (token: number, applied: readonly { multiplier: number }[]) => number | undefined {
  for (const e of edges) {
    if (!Number.isInteger(e.intervention) || e.intervention < 0 || e.intervention >= count) {
      throw new Error(`a graph edge names intervention ${e.intervention}; there are ${count}`);
    }
  }
  return (token, applied) => {
    const into = edges.filter((e) => e.token === token);
    if (into.length === 0) return undefined;
    return into.reduce((s, e) => s + (applied[e.intervention]!.multiplier - 1) * e.weight, 0);
  };
}

/** What the engine worker already has that the runner needs. */
export interface EngineParts {
  /** The built-in model's host weights at the page's processing setting; undefined otherwise. */
  hostWeights: () => Promise<Gpt2Weights | undefined>;
  modelName: () => string;
  /** For steering: one dictionary, bound to the model in use. */
  dictionary: InterventionRunnerDeps["dictionary"];
  /** Where a transcoder set's dictionaries come from (the Circuits view's too). */
  sets: SetSources;
  busy: () => string | undefined;
  post: (m: FromWorkerIntervention) => void;
}

/** The runner as the engine worker builds it. */
export function engineInterventionRunner(parts: EngineParts): InterventionRunner {
  const hostWeights = async () => {
    const weights = await parts.hostWeights();
    return weights && { weights, name: parts.modelName(), builtin: true };
  };
  return new InterventionRunner({
    hostWeights,
    transcoderSet: async (ref) => {
      const model = await hostWeights();
      if (!model) throw new Error("interventions run on the built-in model; switch back to it");
      return assembleSet(ref, model.weights, parts.sets);
    },
    dictionary: parts.dictionary,
    busy: parts.busy,
    post: parts.post,
  });
}
