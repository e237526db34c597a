import type { StreamRunConfig } from "../../worker/protocol.ts";

const fmt = (v: unknown) => (typeof v === "number" ? String(Number(v.toPrecision(4))) : String(v));

/** The settings a run is known by, flattened with short names ("transcoder l1"). */
function flatten(c: StreamRunConfig): Map<string, unknown> {
  const out = new Map<string, unknown>([
    ["layer", c.layer],
    ["batch", c.batchSize],
    ["steps", c.steps],
    ["seed", c.seed],
    ["normalize", c.normalize],
    ["processing", c.processing ? "on" : "off"],
  ]);
  for (const kind of ["sae", "transcoder"] as const) {
    const d = c.dictionaries.find((x) => x.kind === kind);
    const name = kind === "sae" ? "SAE" : "transcoder";
    out.set(name, d ? "on" : "off");
    if (!d) continue;
    if (kind === "sae") out.set("SAE hook", d.site ?? "hook_resid_pre");
    out.set(`${name} d_sae`, d.dSae);
    out.set(`${name} l1`, d.l1Coefficient);
    out.set(`${name} lr`, d.lr);
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
    const parts = [`layer ${next.layer}`, `batch ${next.batchSize}`];
    for (const d of next.dictionaries) {
      parts.push(`${d.kind === "sae" ? "SAE" : "transcoder"} ${d.dSae} l1 ${fmt(d.l1Coefficient)}`);
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
