/**
 * The transcoder set a reference names (a graph's, an intervention's), assembled in the worker
 * from what it already holds: a run's final transcoders (IndexedDB), or dictionaries loaded in
 * Inspect (a set folder or zip splits into one load per layer; per-layer files load one each).
 * Each is bound to the model as readTranscoderSet binds a set's files, placed by the layer whose
 * MLP it replaces, and refused in one line naming the transcoder when it does not fit.
 */
import type { DictionaryParams, DictionarySpec } from "../engine/dictionary/spec.ts";
import type { SetTranscoder, TranscoderSet } from "../engine/circuits/transcoderSet.ts";
import { checkSetFits } from "../engine/circuits/transcoderSetFit.ts";
import type { Gpt2Weights } from "../engine/model/gpt2Weights.ts";
import { bindToModel, unprocessedLn2 } from "../engine/model/mlpInputSite.ts";
import type { TranscoderSetRef } from "./circuitsProtocol.ts";

export interface SetSources {
  /** A finished run's saved dictionaries, or undefined when its weights are not saved. */
  runDictionaries: (
    runId: string,
  ) => Promise<{ id: string; spec: DictionarySpec; params: DictionaryParams }[] | undefined>;
  /** A dictionary loaded in Inspect, or undefined when it is no longer loaded. */
  loaded: (
    loadId: string,
  ) => { name: string; spec: DictionarySpec; params: DictionaryParams } | undefined;
}

const layerOf = (hook: string) => {
  const m = /^blocks\.(\d+)\./.exec(hook);
  return m ? Number(m[1]) : undefined;
};

/**
 * The transcoders as one set on `weights`' model: one per layer, the rest keep their MLP. A
 * run's SAEs are left out; an SAE among the loaded dictionaries chosen is refused.
 */
export async function assembleSet(
  ref: TranscoderSetRef,
  weights: Gpt2Weights,
  sources: SetSources,
): Promise<TranscoderSet> {
  const found = await dictionariesOf(ref, sources);
  const transcoders = found.filter((t) => t.spec.kind === "transcoder");
  if (ref.kind === "loaded") {
    const sae = found.find((t) => t.spec.kind !== "transcoder");
    if (sae) throw new Error(`${sae.source} is an SAE; a transcoder set holds transcoders`);
  }
  if (transcoders.length === 0) {
    throw new Error("this run has no transcoders; train one at every layer (Train → every layer)");
  }
  const model = { config: weights.config, ln2Unprocessed: unprocessedLn2(weights) };
  const layers: (SetTranscoder | undefined)[] = Array.from(
    { length: weights.config.nLayer },
    () => undefined,
  );
  for (const t of transcoders) {
    const bound = bindToModel(t, model);
    const layer = layerOf(bound.spec.hookNameOut);
    if (layer === undefined || layer >= layers.length) {
      throw new Error(
        `${t.source}: writes ${bound.spec.hookNameOut}; the model has layers 0-${layers.length - 1}`,
      );
    }
    const first = layers[layer];
    if (first) {
      throw new Error(
        `${t.source} is a second transcoder for layer ${layer} (the first is ${first.source}); a set has one per layer`,
      );
    }
    layers[layer] = bound;
  }
  const set = { modelName: transcoders[0]!.spec.modelName, layers };
  checkSetFits(set, weights.config);
  return set;
}

async function dictionariesOf(
  ref: TranscoderSetRef,
  sources: SetSources,
): Promise<SetTranscoder[]> {
  if (ref.kind === "run") {
    const dictionaries = await sources.runDictionaries(ref.runId);
    if (!dictionaries) {
      throw new Error("this run has no saved weights (they are saved when it ends)");
    }
    // A run's final weights work on raw activations: a constant normalisation scale is folded in.
    return dictionaries.map((d) => ({
      spec:
        d.spec.normalizeActivations === "expected_average_only_in"
          ? { ...d.spec, normalizeActivations: "none" as const }
          : d.spec,
      params: d.params,
      source: d.id,
    }));
  }
  if (ref.loadIds.length === 0) throw new Error("no loaded transcoders were chosen");
  return ref.loadIds.map((loadId) => {
    const d = sources.loaded(loadId);
    if (!d) throw new Error(`${loadId} is no longer loaded; load it again in Inspect`);
    return { spec: d.spec, params: d.params, source: d.name };
  });
}
