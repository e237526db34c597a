import type { Transform } from "./panZoom.ts";

/** Edge colour shows the sign (CSS --edge-positive and --edge-negative). */
export interface EdgeColors {
  positive: string;
  negative: string;
}

/** The shown links with their ends' world positions: what the edge painter needs. */
export interface EdgeGeometry {
  x: Float32Array;
  y: Float32Array;
  source: Int32Array;
  target: Int32Array;
  weight: Float32Array;
  maxAbsWeight: number;
}

export interface EdgeFrame {
  t: Transform;
  /** The node whose edges stand out (hovered or selected), if any. */
  focus?: number;
  width: number;
  height: number;
  colors: EdgeColors;
}

const BUCKETS = 6;
// Software canvases stroke hairlines fast and wide lines slowly: the many weak edges stay thin.
const WIDTHS = [0.75, 1, 1.5, 2.2, 3, 4];

/** The width (px) and opacity of an edge of strength |w| / max|w| in (0, 1], in 6 steps. */
export function edgeStyle(strength: number): { bucket: number; width: number; alpha: number } {
  const bucket = Math.min(BUCKETS - 1, Math.floor(Math.max(0, strength) * BUCKETS));
  return { bucket, width: WIDTHS[bucket]!, alpha: 0.15 + (0.55 * (bucket + 1)) / BUCKETS };
}

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Draws the links as straight lines, weak to strong so the strongest end up on top. With a focused
 * node, its own links are drawn last and the rest fade. One stroke per line: on a software canvas
 * that is several times faster than one path per style, whose overlaps Skia must union.
 */
export function paintEdges(ctx: Context2D, g: EdgeGeometry, frame: EdgeFrame): void {
  const { t, focus, colors } = frame;
  ctx.clearRect(0, 0, frame.width, frame.height);
  const n = g.source.length;
  const order = new Array<number[]>(2 * BUCKETS);
  for (let i = 0; i < order.length; i++) order[i] = [];
  const max = g.maxAbsWeight || 1;
  for (let i = 0; i < n; i++) {
    const { bucket } = edgeStyle(Math.abs(g.weight[i]!) / max);
    const focused = focus !== undefined && (g.source[i] === focus || g.target[i] === focus);
    order[(focused ? BUCKETS : 0) + bucket]!.push(i);
  }
  // Thousands of edges would paint a solid block: the more there are, the fainter each.
  const crowd = Math.min(1, Math.max(0.2, Math.sqrt(400 / Math.max(1, n))));
  const fade = crowd * (focus === undefined ? 1 : 0.3);
  ctx.lineCap = "round";
  for (let slot = 0; slot < order.length; slot++) {
    const boosted = slot >= BUCKETS;
    const { width, alpha } = edgeStyle(((slot % BUCKETS) + 0.5) / BUCKETS);
    ctx.globalAlpha = boosted ? Math.min(1, alpha + 0.35) : alpha * fade;
    ctx.lineWidth = width + (boosted ? 1 : 0);
    for (const i of order[slot]!) {
      const s = g.source[i]!;
      const d = g.target[i]!;
      ctx.strokeStyle = g.weight[i]! < 0 ? colors.negative : colors.positive;
      ctx.beginPath();
      ctx.moveTo(g.x[s]! * t.k + t.x, g.y[s]! * t.k + t.y);
      ctx.lineTo(g.x[d]! * t.k + t.x, g.y[d]! * t.k + t.y);
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
}
