import { expandSweep } from "../../engine/stream/sweep.ts";
import type { StreamDictionaryConfig, StreamRunConfig } from "../../worker/protocol.ts";

/**
 * The run the Train view starts: its one dictionary per kind, expanded by the sweep and the
 * layer list into the list of dictionaries the worker trains (engine/stream/sweep.ts gives the
 * ids, labels, layers and swept values, as `npm run train --sweep` does). A plain pair is
 * returned as it is (ids "sae" and "transcoder"). Throws, in words, on a sweep the kinds'
 * architectures do not read.
 */
export function expandRunConfig(c: StreamRunConfig): StreamRunConfig {
  if (!c.sweep && !c.layers) return c;
  const dictionaries = c.dictionaries.flatMap((d) =>
    expandSweep({
      kinds: [d.kind],
      layers: c.layers ?? [c.layer],
      layerList: c.layers !== undefined,
      ...(d.kind === "sae" && d.site ? { saeSite: d.site } : {}),
      architecture: d.architecture ?? "standard",
      ...(c.sweep ? { sweep: c.sweep } : {}),
      runSeed: c.seed,
    }).map((m): StreamDictionaryConfig => {
      const o = m.overrides;
      const { architecture: _a, k: _k, l0Coefficient: _l0, ...rest } = d;
      const architecture = m.architecture;
      return {
        ...rest,
        id: m.id,
        label: m.label,
        layer: m.layer,
        ...(architecture !== "standard" ? { architecture } : {}),
        ...(o.k !== undefined || d.k !== undefined ? { k: o.k ?? d.k } : {}),
        ...(o.l0Coefficient !== undefined || d.l0Coefficient !== undefined
          ? { l0Coefficient: o.l0Coefficient ?? d.l0Coefficient }
          : {}),
        ...(o.l1Coefficient !== undefined ? { l1Coefficient: o.l1Coefficient } : {}),
        ...(o.dSae !== undefined ? { dSae: o.dSae } : {}),
        ...(o.lr !== undefined ? { lr: o.lr } : {}),
        ...(m.setting !== undefined && m.value !== undefined
          ? { swept: { setting: m.setting, value: m.value } }
          : {}),
      };
    }),
  );
  return { ...c, dictionaries };
}

/** How many dictionaries the run trains, or why it cannot be expanded. */
export function expansionSummary(c: StreamRunConfig): { count: number } | { error: string } {
  try {
    return { count: expandRunConfig(c).dictionaries.length };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
