import type { SweepRow } from "./sweepSummary.ts";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"];
const PANEL = { w: 300, h: 220, left: 56, top: 34, gap: 70 };

interface Series {
  name: string;
  color: string;
  points: { l0: number; y: number; tag: string }[];
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Lines per kind (and per layer when there are several) through the points that have y. */
function seriesOf(rows: readonly SweepRow[], y: (r: SweepRow) => number | null): Series[] {
  const layers = new Set(rows.map((r) => r.layer)).size;
  const groups = new Map<string, SweepRow[]>();
  for (const r of rows) {
    const name = layers > 1 && r.swept_setting !== null ? `${r.kind} L${r.layer}` : r.kind;
    groups.set(name, [...(groups.get(name) ?? []), r]);
  }
  return [...groups.entries()].map(([name, rs], i) => ({
    name,
    color: COLORS[i % COLORS.length]!,
    points: rs
      .filter((r) => r.l0 !== null && r.l0 > 0 && y(r) !== null && Number.isFinite(y(r)))
      .map((r) => ({
        l0: r.l0!,
        y: y(r)!,
        tag: r.swept_value !== null ? String(r.swept_value) : `L${r.layer}`,
      }))
      .sort((a, b) => a.l0 - b.l0),
  }));
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function panel(x0: number, title: string, series: Series[]): string {
  const pts = series.flatMap((s) => s.points);
  const { w, h, top } = PANEL;
  const out = [
    `<text x="${x0 + w / 2}" y="${top - 14}" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<rect x="${x0}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
  ];
  if (pts.length === 0) {
    out.push(
      `<text x="${x0 + w / 2}" y="${top + h / 2}" text-anchor="middle" font-size="12">no points</text>`,
    );
    return out.join("\n");
  }
  const lx = pts.map((p) => Math.log10(p.l0));
  let [xMin, xMax] = [Math.min(...lx), Math.max(...lx)];
  if (xMax - xMin < 0.2) [xMin, xMax] = [xMin - 0.1, xMax + 0.1];
  const pad = (xMax - xMin) * 0.06;
  [xMin, xMax] = [xMin - pad, xMax + pad];
  let [yMin, yMax] = [Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y))];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.05, yMax + 0.05];
  const yPad = (yMax - yMin) * 0.08;
  [yMin, yMax] = [yMin - yPad, yMax + yPad];
  const sx = (l0: number) => x0 + ((Math.log10(l0) - xMin) / (xMax - xMin)) * w;
  const sy = (v: number) => top + h - ((v - yMin) / (yMax - yMin)) * h;
  // 1-2-5 ticks on the log axis, inside the range.
  for (let e = Math.floor(xMin); e <= Math.ceil(xMax); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (Math.log10(v) < xMin || Math.log10(v) > xMax) continue;
      out.push(
        `<line x1="${sx(v)}" y1="${top + h}" x2="${sx(v)}" y2="${top + h + 4}" stroke="#666"/>`,
        `<text x="${sx(v)}" y="${top + h + 16}" text-anchor="middle" font-size="11">${fmt(v)}</text>`,
      );
    }
  }
  // Enough decimals that the five ticks read apart.
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10((yMax - yMin) / 4)) + 1));
  for (let i = 0; i <= 4; i++) {
    const v = yMin + ((yMax - yMin) * i) / 4;
    out.push(
      `<line x1="${x0 - 4}" y1="${sy(v)}" x2="${x0}" y2="${sy(v)}" stroke="#666"/>`,
      `<text x="${x0 - 6}" y="${sy(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(decimals)}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + w / 2}" y="${top + h + 32}" text-anchor="middle" font-size="12">L0 (log)</text>`,
  );
  for (const s of series) {
    const path = s.points.map((p) => `${sx(p.l0).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
    out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    for (const p of s.points) {
      const [cx, cy] = [sx(p.l0).toFixed(1), sy(p.y).toFixed(1)];
      out.push(
        `<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`,
        `<text x="${cx}" y="${Number(cy) - 6}" text-anchor="middle" font-size="10" fill="${s.color}">${esc(p.tag)}</text>`,
      );
    }
  }
  return out.join("\n");
}

/**
 * DIR/frontier.svg: L0 (log x) against ce_loss_score and against FVU, one line per kind through
 * its sweep points (each labelled with its swept value); text stays text.
 */
export function frontierSvg(rows: readonly SweepRow[]): string {
  const ce = seriesOf(rows, (r) => r.ce_loss_score);
  const fvu = seriesOf(rows, (r) => r.fvu);
  const width = PANEL.left + 2 * PANEL.w + PANEL.gap + 20;
  const height = PANEL.top + PANEL.h + 62;
  const x2 = PANEL.left + PANEL.w + PANEL.gap;
  const legend = ce.map(
    (s, i) =>
      `<rect x="${PANEL.left + i * 130}" y="${height - 14}" width="10" height="10" fill="${s.color}"/>` +
      `<text x="${PANEL.left + i * 130 + 14}" y="${height - 5}" font-size="12">${esc(s.name)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    panel(PANEL.left, "ce_loss_score (higher is better)", ce),
    panel(x2, "FVU (lower is better)", fvu),
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}
