import type { GraphLayout } from "./graphLayout.ts";
import type { Transform } from "./panZoom.ts";
import type { ViewGraph } from "./viewGraph.ts";

/** Edge colour shows the sign (CSS --edge-positive and --edge-negative). */
export interface EdgeColors {
  positive: string;
  negative: string;
}
const BUCKETS = 6;

/** The width (px) and opacity of an edge of strength |w| / max|w| in (0, 1], in 6 steps. */
export function edgeStyle(strength: number): { bucket: number; width: number; alpha: number } {
  const bucket = Math.min(BUCKETS - 1, Math.floor(Math.max(0, strength) * BUCKETS));
  const level = (bucket + 1) / BUCKETS;
  return { bucket, width: 0.5 + 3.5 * level, alpha: 0.15 + 0.55 * level };
}

/**
 * Draws the shown links as straight lines, batched into one path per (sign, strength step). With
 * a focused node, its own links are drawn on top and the rest fade.
 */
export function paintEdges(
  ctx: CanvasRenderingContext2D,
  graph: ViewGraph,
  layout: GraphLayout,
  links: Int32Array,
  t: Transform,
  focus: number | undefined,
  colors: EdgeColors,
): void {
  const paths = Array.from({ length: 2 * BUCKETS }, () => new Path2D());
  const focused = Array.from({ length: 2 * BUCKETS }, () => new Path2D());
  const max = graph.maxAbsWeight || 1;
  for (let i = 0; i < links.length; i++) {
    const link = links[i]!;
    const s = graph.linkSource[link]!;
    const d = graph.linkTarget[link]!;
    const w = graph.linkWeight[link]!;
    const { bucket } = edgeStyle(Math.abs(w) / max);
    const slot = (w < 0 ? BUCKETS : 0) + bucket;
    const path = (focus === s || focus === d ? focused : paths)[slot]!;
    path.moveTo(layout.x[s]! * t.k + t.x, layout.y[s]! * t.k + t.y);
    path.lineTo(layout.x[d]! * t.k + t.x, layout.y[d]! * t.k + t.y);
  }
  // Thousands of edges would paint a solid block: the more there are, the fainter each.
  const crowd = Math.min(1, Math.max(0.2, Math.sqrt(400 / Math.max(1, links.length))));
  const fade = crowd * (focus === undefined ? 1 : 0.3);
  ctx.lineCap = "round";
  for (const [set, boost] of [
    [paths, 0],
    [focused, 1],
  ] as const) {
    // Weak to strong, both signs at each step, so the strongest edges end up on top.
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      const { width, alpha } = edgeStyle((bucket + 0.5) / BUCKETS);
      for (const sign of [0, 1]) {
        ctx.strokeStyle = sign === 0 ? colors.positive : colors.negative;
        ctx.globalAlpha = boost ? Math.min(1, alpha + 0.35) : alpha * fade;
        ctx.lineWidth = width + boost;
        ctx.stroke(set[sign * BUCKETS + bucket]!);
      }
    }
  }
  ctx.globalAlpha = 1;
}
