import { memo, useEffect, useRef, useState } from "react";
import { create } from "zustand";
import { metric, si } from "../format.ts";
import { linear, yScale, type Scale } from "./chartScales.ts";
import type { LineStyle } from "./lossTerms.ts";
import { KIND_COLORS, KIND_LABELS, runOpacity } from "./seriesColors.ts";

export interface Series {
  key: string;
  kind: string;
  /** Its dictionary's name in a run of several of a kind ("SAE · k 8"), and its colour there. */
  label?: string;
  color?: string;
  runLabel: string;
  age: number;
  /** Which term of the metric it is ("MSE", "AuxK"...), when a chart shows several. */
  term?: string;
  line?: LineStyle;
  points: { tokens: number; value: number }[];
  /**
   * The run's final measurement (the evaluation at the end, on more windows than the live
   * points): the last point, in the series' colour with its own marker (a diamond).
   */
  final?: { tokens: number; value: number };
}

type ChartPoint = { tokens: number; value: number; final?: boolean };

/** A series' points, its final one last and flagged. */
function pointsOf(s: Series): ChartPoint[] {
  return s.final ? [...s.points, { ...s.final, final: true }] : s.points;
}

const DASHES: Record<LineStyle, number[]> = { solid: [], dashed: [5, 3], dotted: [1.5, 2.5] };

/** "SAE", or "SAE AuxK" on a chart of several terms. */
function seriesName(s: Series): string {
  const kind = s.label ?? KIND_LABELS[s.kind] ?? s.kind;
  return s.term ? `${kind} ${s.term}` : kind;
}

/** The x (tokens) the pointer is over, shared by every chart: hover is synced. */
const useHover = create<{ tokens?: number }>(() => ({}));

const PAD = { left: 44, right: 8, top: 6, bottom: 18 };

/**
 * One small multiple, drawn on a canvas: tokens trained on x (the same range on every chart),
 * one metric on y. Drawing costs well under a millisecond, so charts never block the page.
 */
export const MetricChart = memo(function MetricChart(props: {
  title: string;
  /** A line under the title, e.g. what the points were measured on. */
  note?: string;
  series: Series[];
  log?: boolean;
  testId: string;
  /** The x-axis ends here on every chart (the longest shown run's tokens). */
  xMax: number;
}) {
  const { title, series, log = false, xMax } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const hover = useHover((s) => s.tokens);

  useEffect(() => {
    const el = canvas.current?.parentElement;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => {
      const r = e!.contentRect;
      setSize({ w: Math.floor(r.width), h: Math.floor(r.height) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const y = yScale(
    series.flatMap((s) => pointsOf(s).map((p) => p.value)),
    log,
  );

  const terms = series.some((s) => s.term !== undefined);
  const latestParts = latestText(series.filter((s) => s.age === 0 && pointsOf(s).length > 0));
  const latest = latestParts.join(terms ? " · " : ", ");
  const hovered =
    hover === undefined
      ? []
      : series
          .filter((s) => s.age === 0)
          .map((s) => ({ s, p: nearest(pointsOf(s), hover) }))
          .filter((x) => x.p !== undefined);
  // The line marks the point the tooltip reads (a sparse curve, like the CE evaluations, snaps to
  // its nearest point rather than showing a line where it has no value).
  const marked = hovered.length > 0 ? hovered[0]!.p!.tokens : hover;
  const empty = !series.some((s) => pointsOf(s).length > 0);
  useEffect(() => {
    const c = canvas.current;
    if (!c || size.w === 0) return;
    draw(c, size, empty ? [] : series, y, linear(0, xMax), marked, empty);
  });

  const toTokens = (clientX: number) => {
    const rect = canvas.current!.getBoundingClientRect();
    const f = (clientX - rect.left - PAD.left) / (rect.width - PAD.left - PAD.right);
    return Math.min(xMax, Math.max(0, f * xMax));
  };

  return (
    <figure className={terms ? "chart chart-terms" : "chart"} data-testid={props.testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-latest mono" data-testid={`${props.testId}-latest`}>
          {terms
            ? latestParts.map((part) => (
                <span key={part} className="latest-line">
                  {part}
                </span>
              ))
            : latest}
        </span>
        {props.note && <span className="chart-note muted">{props.note}</span>}
      </figcaption>
      <div className="chart-body" role="img" aria-label={`${title}: ${latest || "no data yet"}`}>
        <canvas
          ref={canvas}
          onMouseMove={(e) => useHover.setState({ tokens: toTokens(e.clientX) })}
          onMouseLeave={() => useHover.setState({ tokens: undefined })}
        />
        {hovered.length > 0 && (
          <div className="chart-hover mono">
            {si(hovered[0]!.p!.tokens)} tokens
            {hovered.map(({ s, p }) => (
              <div key={s.key} style={{ color: s.color ?? KIND_COLORS[s.kind] }}>
                {seriesName(s)} {metric(p!.value)}
                {p!.final ? " ◆ final" : ""}
              </div>
            ))}
          </div>
        )}
      </div>
    </figure>
  );
});

/** ["SAE 0.37", "Transcoder 0.36"]; with terms, one part per kind: "SAE MSE 46.7 AuxK 0". */
function latestText(newest: Series[]): string[] {
  const value = (s: Series) =>
    s.final ? `${metric(s.final.value)} ◆` : metric(s.points[s.points.length - 1]!.value);
  if (!newest.some((s) => s.term)) return newest.map((s) => `${seriesName(s)} ${value(s)}`);
  const name = (s: Series) => s.label ?? KIND_LABELS[s.kind] ?? s.kind;
  const names = [...new Set(newest.map(name))];
  return names.map((n) => {
    const terms = newest.filter((s) => name(s) === n).map((s) => `${s.term} ${value(s)}`);
    return `${n} ${terms.join(" ")}`;
  });
}

function nearest(points: ChartPoint[], tokens: number) {
  let best: ChartPoint | undefined;
  for (const p of points) {
    if (!best || Math.abs(p.tokens - tokens) < Math.abs(best.tokens - tokens)) best = p;
  }
  return best;
}

function draw(
  c: HTMLCanvasElement,
  size: { w: number; h: number },
  series: Series[],
  y: Scale,
  x: Scale,
  hover: number | undefined,
  empty: boolean,
) {
  const dpr = window.devicePixelRatio || 1;
  if (c.width !== size.w * dpr || c.height !== size.h * dpr) {
    c.width = size.w * dpr;
    c.height = size.h * dpr;
    c.style.width = `${size.w}px`;
    c.style.height = `${size.h}px`;
  }
  const g = c.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, size.w, size.h);
  const css = getComputedStyle(c);
  const grid = css.getPropertyValue("--grid").trim() || "#ddd";
  const text = css.getPropertyValue("--text-muted").trim() || "#666";
  const w = size.w - PAD.left - PAD.right;
  const h = size.h - PAD.top - PAD.bottom;
  const px = (v: number) => PAD.left + x.at(v) * w;
  const py = (v: number) => PAD.top + (1 - y.at(v)) * h;

  g.font = "10px ui-monospace, Menlo, Consolas, monospace";
  g.lineWidth = 1;
  g.strokeStyle = grid;
  g.fillStyle = text;
  g.textAlign = "right";
  g.textBaseline = "middle";
  // An empty chart has no range to show: no made-up 0-1 axes.
  for (const t of empty ? [] : y.ticks) {
    const yy = Math.round(py(t)) + 0.5;
    g.beginPath();
    g.moveTo(PAD.left, yy);
    g.lineTo(PAD.left + w, yy);
    g.stroke();
    g.fillText(si(t, 2), PAD.left - 4, yy);
  }
  g.textAlign = "center";
  g.textBaseline = "top";
  let lastRight = -Infinity;
  for (const t of empty ? [] : x.ticks) {
    const xx = Math.round(px(t)) + 0.5;
    const label = si(t);
    const half = g.measureText(label).width / 2;
    g.beginPath();
    g.moveTo(xx, PAD.top);
    g.lineTo(xx, PAD.top + h);
    g.stroke();
    if (xx - half > lastRight + 6 && xx + half <= size.w) {
      g.fillText(label, xx, PAD.top + h + 4);
      lastRight = xx + half;
    }
  }

  // Older runs first, so the newest is drawn on top.
  for (const s of [...series].sort((a, b) => b.age - a.age)) {
    const pts = s.points.filter((p) => Number.isFinite(p.value) && (!y.log || p.value > 0));
    if (pts.length === 0 && !s.final) continue;
    g.strokeStyle = s.color ?? KIND_COLORS[s.kind] ?? "#888";
    g.fillStyle = g.strokeStyle;
    g.globalAlpha = runOpacity(s.age);
    g.lineWidth = s.age === 0 ? 2 : 1.5;
    g.setLineDash(DASHES[s.line ?? "solid"]);
    g.beginPath();
    pts.forEach((p, i) =>
      i === 0 ? g.moveTo(px(p.tokens), py(p.value)) : g.lineTo(px(p.tokens), py(p.value)),
    );
    g.stroke();
    if (pts.length === 1) {
      g.beginPath();
      g.arc(px(pts[0]!.tokens), py(pts[0]!.value), 3, 0, 2 * Math.PI);
      g.fill();
    }
    const f = s.final;
    if (f && Number.isFinite(f.value) && (!y.log || f.value > 0)) {
      const [fx, fy] = [px(f.tokens), py(f.value)];
      const lastLive = pts[pts.length - 1];
      if (lastLive && lastLive.tokens <= f.tokens) {
        g.setLineDash([2, 3]);
        g.lineWidth = 1;
        g.beginPath();
        g.moveTo(px(lastLive.tokens), py(lastLive.value));
        g.lineTo(fx, fy);
        g.stroke();
        g.setLineDash([]);
      }
      // A diamond: the final evaluation, not one more live point.
      g.beginPath();
      g.moveTo(fx, fy - 5);
      g.lineTo(fx + 5, fy);
      g.lineTo(fx, fy + 5);
      g.lineTo(fx - 5, fy);
      g.closePath();
      g.fill();
    }
  }
  g.globalAlpha = 1;
  g.setLineDash([]);
  if (hover !== undefined) {
    g.strokeStyle = text;
    g.beginPath();
    g.moveTo(Math.round(px(hover)) + 0.5, PAD.top);
    g.lineTo(Math.round(px(hover)) + 0.5, PAD.top + h);
    g.stroke();
  }
  if (empty) {
    g.fillStyle = text;
    g.textAlign = "center";
    g.textBaseline = "middle";
    g.fillText("no data yet", PAD.left + w / 2, PAD.top + h / 2);
  }
}
