import { useMemo } from "react";
import { runTitle } from "../../storage/runNames.ts";
import type { RunRecord } from "../../storage/runRecord.ts";
import type { TranscoderSetRef } from "../../worker/circuitsProtocol.ts";
import type { FeatureDictionaryRef } from "../../worker/protocol.ts";
import type { LoadItem } from "../state/loadStore.ts";
import { useLoadStore } from "../state/loadStore.ts";
import { useRunsStore } from "../state/runsStore.ts";

/** A transcoder set the Circuits view can compute with, and each layer's dictionary. */
export interface SetChoice {
  /** "run:<id>" or "loaded" (the URL's graph.set). */
  key: string;
  name: string;
  ref: TranscoderSetRef;
  /** By layer: the dictionary the inspector computes that layer's feature statistics for. */
  layers: Map<number, FeatureDictionaryRef>;
}

const layerList = (layers: Map<number, unknown>) =>
  [...layers.keys()]
    .sort((a, b) => a - b)
    .map((l) => `L${l}`)
    .join(" ");

/** A finished (or stopped) run's transcoders, when it trained any. */
export function runSetChoice(run: RunRecord): SetChoice | undefined {
  if (run.status !== "done" && run.status !== "stopped") return undefined;
  const layers = new Map<number, FeatureDictionaryRef>();
  for (const d of run.config.dictionaries) {
    if (d.kind !== "transcoder") continue;
    layers.set(d.layer ?? run.config.layer, { kind: "run", runId: run.id, dictionaryId: d.id });
  }
  if (layers.size === 0) return undefined;
  return {
    key: `run:${run.id}`,
    name: `${runTitle(run)} · transcoders ${layerList(layers)}`,
    ref: { kind: "run", runId: run.id },
    layers,
  };
}

const hookLayer = (hook: unknown) =>
  typeof hook === "string" ? Number(/^blocks\.(\d+)\./.exec(hook)?.[1] ?? NaN) : NaN;

/** Every transcoder loaded in Inspect that runs on the model, as one set. */
export function loadedSetChoice(items: readonly LoadItem[]): SetChoice | undefined {
  const layers = new Map<number, FeatureDictionaryRef>();
  const loadIds: string[] = [];
  for (const item of items) {
    if (item.kind !== "dictionary" || item.phase !== "loaded" || item.mismatch) continue;
    if (item.details?.dictionary !== "transcoder") continue;
    const layer = hookLayer(item.details.hook_name_out);
    if (!Number.isInteger(layer)) continue;
    loadIds.push(item.id);
    layers.set(layer, { kind: "loaded", loadId: item.id });
  }
  if (loadIds.length === 0) return undefined;
  return {
    key: "loaded",
    name: `transcoders loaded in Inspect · ${layerList(layers)}`,
    ref: { kind: "loaded", loadIds },
    layers,
  };
}

/** The sets to pick from: runs newest first, then what Inspect has loaded. */
export function useSetChoices(): SetChoice[] {
  const runs = useRunsStore((s) => s.runs);
  const items = useLoadStore((s) => s.items);
  return useMemo(() => {
    const out: SetChoice[] = [];
    for (const run of [...runs].reverse()) {
      const choice = runSetChoice(run);
      if (choice) out.push(choice);
    }
    const loaded = loadedSetChoice(items);
    if (loaded) out.push(loaded);
    return out;
  }, [runs, items]);
}

/** The choice a saved graph's set is now, if it is still there. */
export function choiceOf(
  ref: TranscoderSetRef,
  choices: readonly SetChoice[],
): SetChoice | undefined {
  const key = ref.kind === "run" ? `run:${ref.runId}` : "loaded";
  return choices.find((c) => c.key === key);
}
