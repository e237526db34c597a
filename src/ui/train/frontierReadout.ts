/** One dictionary's point on a frontier: its L0 and the metric (ce_loss_score or FVU). */
export interface FrontierPoint {
  l0: number;
  value: number;
}

/**
 * A kind's frontier read at `l0`: piecewise linear in log L0 between its points (sorted by L0),
 * undefined outside their range.
 */
export function frontierAt(points: readonly FrontierPoint[], l0: number): number | undefined {
  const pts = usable(points);
  if (pts.length === 0) return undefined;
  const x = Math.log(l0);
  for (let i = 0; i < pts.length; i++) {
    const a = pts[i]!;
    const xa = Math.log(a.l0);
    if (x === xa) return a.value;
    const b = pts[i + 1];
    if (!b) break;
    const xb = Math.log(b.l0);
    if (x > xa && x < xb) return a.value + ((b.value - a.value) * (x - xa)) / (xb - xa);
  }
  return undefined;
}

function usable(points: readonly FrontierPoint[]): FrontierPoint[] {
  return points
    .filter((p) => p.l0 > 0 && Number.isFinite(p.l0) && Number.isFinite(p.value))
    .sort((a, b) => a.l0 - b.l0);
}

export interface FrontierComparison {
  /** The L0 range both kinds cover. */
  from: number;
  to: number;
  /** The L0 values compared: each kind's points inside the common range. */
  at: number[];
  /** Transcoder minus SAE at each, signed so that > 0 means the transcoder is ahead. */
  leads: number[];
  /** Their mean. */
  meanLead: number;
}

/**
 * The two kinds' frontiers compared at the L0 values both cover. For ce_loss_score (and F1)
 * higher is better; for FVU lower is. Undefined when their L0 ranges do not overlap.
 */
export function compareFrontiers(
  sae: readonly FrontierPoint[],
  transcoder: readonly FrontierPoint[],
  higherIsBetter: boolean,
): FrontierComparison | undefined {
  const s = usable(sae);
  const t = usable(transcoder);
  if (s.length === 0 || t.length === 0) return undefined;
  const from = Math.max(s[0]!.l0, t[0]!.l0);
  const to = Math.min(s[s.length - 1]!.l0, t[t.length - 1]!.l0);
  if (from > to) return undefined;
  const at = [...new Set([...s, ...t].map((p) => p.l0).filter((l0) => l0 >= from && l0 <= to))];
  at.sort((a, b) => a - b);
  const leads = at.map((l0) => {
    const d = frontierAt(t, l0)! - frontierAt(s, l0)!;
    return higherIsBetter ? d : -d;
  });
  const meanLead = leads.reduce((x, y) => x + y, 0) / leads.length;
  return { from, to, at, leads, meanLead };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(2));

/** The comparison in one sentence, e.g. "At L0 8–32, the transcoder is ahead on …". */
export function frontierSentence(
  sae: readonly FrontierPoint[],
  transcoder: readonly FrontierPoint[],
  metric: "ce_loss_score" | "FVU" | "F1",
): string {
  const c = compareFrontiers(sae, transcoder, metric !== "FVU");
  if (!c) {
    if (usable(sae).length === 0 && usable(transcoder).length === 0) {
      return `No ${metric} measured yet: the comparison appears with the first points.`;
    }
    const range = (p: readonly FrontierPoint[]) => {
      const u = usable(p);
      return u.length === 0 ? "none yet" : `${fmt(u[0]!.l0)}–${fmt(u[u.length - 1]!.l0)}`;
    };
    return (
      `No L0 both kinds reach yet (SAE ${range(sae)}, transcoder ${range(transcoder)}): ` +
      `the ${metric} frontiers cannot be compared at matched sparsity.`
    );
  }
  const where = c.from === c.to ? `At L0 ${fmt(c.from)}` : `At L0 ${fmt(c.from)}–${fmt(c.to)}`;
  const ahead = c.meanLead > 0 ? "transcoder" : "SAE";
  const behind = ahead === "SAE" ? "transcoder" : "SAE";
  const wins = c.leads.filter((l) => (c.meanLead > 0 ? l > 0 : l < 0)).length;
  const mixed = wins < c.leads.length ? ` (ahead at ${wins} of ${c.leads.length} L0s)` : "";
  if (c.meanLead === 0) return `${where}, the SAE and the transcoder tie on ${metric}.`;
  return (
    `${where}, the ${ahead} is ahead of the ${behind} on ${metric} by ` +
    `${fmt(Math.abs(c.meanLead))} on average${mixed}.`
  );
}
