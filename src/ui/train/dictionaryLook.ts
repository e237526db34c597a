import type { StreamRunConfig } from "../../worker/protocol.ts";
import { KIND_LABELS, sweepShade } from "./seriesColors.ts";

/** How a run's dictionary is drawn: its kind's hue, and in a sweep a shade and a name. */
export interface DictionaryLook {
  kind: string;
  label?: string;
  color?: string;
}

/**
 * A dictionary of a run by its id: a plain pair's are their kinds; a sweep's are shaded by the
 * swept value's place in the sweep (an every-layer run's by its layer) and named by it.
 */
export function dictionaryLook(config: StreamRunConfig, id: string): DictionaryLook {
  const d = config.dictionaries.find((x) => x.id === id);
  if (!d) return { kind: id };
  const kindName = KIND_LABELS[d.kind] ?? d.kind;
  const parts: string[] = [];
  const layers = config.layers;
  if (layers && layers.length > 1) parts.push(`L${d.layer ?? config.layer}`);
  if (d.swept) {
    parts.push(
      d.swept.setting === "architecture"
        ? String(d.swept.value)
        : `${d.swept.setting} ${d.swept.value}`,
    );
  }
  if (parts.length === 0) return { kind: d.kind };
  const values = config.sweep?.values ?? [];
  const color =
    d.swept && values.length > 1
      ? sweepShade(d.kind, values.indexOf(d.swept.value), values.length)
      : layers && layers.length > 1
        ? sweepShade(d.kind, layers.indexOf(d.layer ?? config.layer), layers.length)
        : undefined;
  return { kind: d.kind, label: `${kindName} ${parts.join(" ")}`, ...(color ? { color } : {}) };
}
