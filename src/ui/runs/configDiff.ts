import type { StreamRunConfig } from "../../worker/protocol.ts";
import { syntheticPresetOf } from "../../worker/syntheticProtocol.ts";
import {
  DEFAULT_K,
  DEFAULT_L0_COEFFICIENT,
  readsK,
  readsL0,
  readsL1,
  readsWidths,
} from "../state/defaults.ts";

/** Exactly as set: a label rounded to 4 digits turned d_sae 65536 into "65540". */
const fmt = (v: unknown) => String(v);

/** The settings a run is known by, flattened with short names ("transcoder l1"). */
function flatten(c: StreamRunConfig): Map<string, unknown> {
  const preset = syntheticPresetOf(c);
  const out = new Map<string, unknown>([
    ["data", preset ? `synthetic ${preset}` : "model"],
    ["batch", c.batchSize],
    ["steps", c.steps],
    ["seed", c.seed],
    ["normalize", c.normalize],
    ["processing", c.processing ? "on" : "off"],
    ["sweep", c.sweep ? `${c.sweep.setting} ${c.sweep.values.join(",")}` : "none"],
    ["layers", c.layers ? c.layers.join(",") : "one"],
  ]);
  // A synthetic model has no layers: its x and y are the data.
  if (!preset) out.set("layer", c.layer);
  for (const kind of ["sae", "transcoder"] as const) {
    const d = c.dictionaries.find((x) => x.kind === kind);
    const name = kind === "sae" ? "SAE" : "transcoder";
    out.set(name, d ? "on" : "off");
    if (!d) continue;
    if (kind === "sae") out.set("SAE hook", d.site ?? "hook_resid_pre");
    out.set(`${name} d_sae`, d.dSae);
    const architecture = d.architecture ?? "standard";
    out.set(`${name} arch`, architecture);
    // Only what the architecture reads: standard's L1, TopK's k, JumpReLU's L0 coefficient.
    if (readsL1(architecture)) out.set(`${name} l1`, d.l1Coefficient);
    if (readsK(architecture)) out.set(`${name} k`, d.k ?? DEFAULT_K);
    if (readsWidths(architecture)) {
      out.set(`${name} widths`, d.matryoshkaWidths?.join(",") ?? "default");
    }
    if (readsL0(architecture))
      out.set(`${name} l0 coef`, d.l0Coefficient ?? DEFAULT_L0_COEFFICIENT);
    out.set(`${name} lr`, d.lr);
    if (kind === "transcoder") out.set(`${name} skip`, d.skip ? "on" : "off");
  }
  return out;
}

/**
 * How `next` differs from `previous`, as Sequence Toy labels runs: "transcoder l1 0.3 → 1".
 * The first run is labelled by its main settings.
 */
export function configDiffLabel(
  previous: StreamRunConfig | undefined,
  next: StreamRunConfig,
): string {
  if (!previous) {
    const preset = syntheticPresetOf(next);
    const parts = [
      preset
        ? `synthetic ${preset}`
        : next.layers
          ? `layers ${next.layers.join(",")}`
          : `layer ${next.layer}`,
      `batch ${next.batchSize}`,
    ];
    if (next.sweep) parts.push(`sweep ${next.sweep.setting} ${next.sweep.values.join(",")}`);
    // A sweep's dictionaries differ in the swept value only: one of each kind says the rest.
    const firstOfKind = next.dictionaries.filter(
      (d, i) => next.dictionaries.findIndex((x) => x.kind === d.kind) === i,
    );
    for (const d of firstOfKind) {
      const name = `${d.kind === "sae" ? "SAE" : "transcoder"} ${d.dSae}`;
      const a = d.architecture ?? "standard";
      const sparsity = readsK(a)
        ? `${a} k ${d.k ?? DEFAULT_K}`
        : readsL0(a)
          ? `${a} l0 coef ${fmt(d.l0Coefficient ?? DEFAULT_L0_COEFFICIENT)}`
          : `l1 ${fmt(d.l1Coefficient)}`;
      parts.push(`${name} ${sparsity}${d.skip && d.kind === "transcoder" ? " skip" : ""}`);
    }
    return parts.join(", ");
  }
  const a = flatten(previous);
  const b = flatten(next);
  const changes: string[] = [];
  for (const [key, value] of b) {
    const before = a.get(key);
    if (before !== value && !(before === undefined && value === undefined)) {
      changes.push(
        before === undefined ? `${key} ${fmt(value)}` : `${key} ${fmt(before)} → ${fmt(value)}`,
      );
    }
  }
  return changes.length > 0 ? changes.join(", ") : "same config";
}
