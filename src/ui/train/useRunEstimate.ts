import { useMemo } from "react";
import { estimateRun, type RunEstimate } from "../../engine/stream/runEstimate.ts";
import { useConfigStore } from "../state/configStore.ts";
import { useEngineStore } from "../state/engineStore.ts";
import { expandRunConfig } from "../state/runExpansion.ts";
import { runEstimateInput } from "./runEstimateInput.ts";

/** Over this, pressing Train asks first. */
export const CONFIRM_OVER_SECONDS = 600;

/**
 * The next run's estimate, once the adapter and model are known (arithmetic over a few
 * hundred numbers: no GPU work, nothing that blocks). Undefined before, or when the config
 * cannot be expanded (the settings say why).
 */
export function useRunEstimate(): RunEstimate | undefined {
  const config = useConfigStore((s) => s.config);
  const adapter = useEngineStore((s) => s.adapter);
  const model = useEngineStore((s) => s.model);
  return useMemo(() => {
    if (!adapter || !model || config.dictionaries.length === 0) return undefined;
    try {
      return estimateRun(runEstimateInput(expandRunConfig(config), model, adapter));
    } catch {
      return undefined;
    }
  }, [config, adapter, model]);
}
