import { useMemo } from "react";
import { dictionaryTitle } from "../../../storage/runNames.ts";
import type { FeatureDictionaryRef } from "../../../worker/protocol.ts";
import { useLoadStore } from "../../state/loadStore.ts";
import { useRunsStore } from "../../state/runsStore.ts";

export interface DictionaryChoice {
  key: string;
  label: string;
  ref: FeatureDictionaryRef;
}

/** Tokens the dashboards read by default (the worker's DEFAULT_FEATURE_TOKENS). */
export const DEFAULT_DASHBOARD_TOKENS = { software: 4096, gpu: 65536 } as const;

/** A choice's key for a dictionary reference. */
export function choiceKey(ref: FeatureDictionaryRef): string {
  return ref.kind === "run" ? `run:${ref.runId}:${ref.dictionaryId}` : `loaded:${ref.loadId}`;
}

/**
 * What the dashboards can run: each dictionary of a run that ended with saved weights (done or
 * stopped), newest first, and each loaded dictionary that fits the model in use.
 */
export function useDictionaryChoices(): DictionaryChoice[] {
  const runs = useRunsStore((s) => s.runs);
  const items = useLoadStore((s) => s.items);
  return useMemo(() => {
    const out: DictionaryChoice[] = [];
    for (const run of [...runs].reverse()) {
      if (run.status !== "done" && run.status !== "stopped") continue;
      for (const d of run.config.dictionaries) {
        out.push({
          key: choiceKey({ kind: "run", runId: run.id, dictionaryId: d.id }),
          label: dictionaryTitle(run, d.id),
          ref: { kind: "run", runId: run.id, dictionaryId: d.id },
        });
      }
    }
    for (const item of items) {
      if (item.kind !== "dictionary" || item.phase !== "loaded" || item.mismatch) continue;
      out.push({
        key: choiceKey({ kind: "loaded", loadId: item.id }),
        label: `loaded · ${item.source}`,
        ref: { kind: "loaded", loadId: item.id },
      });
    }
    return out;
  }, [runs, items]);
}
