/// <reference lib="webworker" />
import { paintEdges, type EdgeFrame, type EdgeGeometry } from "./edgePainter.ts";

/** Messages to the edge painter: its canvas once, geometry per graph/filter, a frame per view. */
export type EdgePainterMessage =
  | { type: "canvas"; canvas: OffscreenCanvas; dpr: number }
  | { type: "geometry"; geometry: EdgeGeometry }
  | { type: "frame"; frame: EdgeFrame };

let canvas: OffscreenCanvas | undefined;
let dpr = 1;
let geometry: EdgeGeometry | undefined;
let frame: EdgeFrame | undefined;
let scheduled = false;

// Frames arriving faster than they paint are coalesced: only the latest is drawn.
function paint(): void {
  scheduled = false;
  const ctx = canvas?.getContext("2d");
  if (!canvas || !ctx || !geometry || !frame) return;
  const width = Math.round(frame.width * dpr);
  const height = Math.round(frame.height * dpr);
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  paintEdges(ctx, geometry, frame);
}

self.onmessage = (e: MessageEvent<EdgePainterMessage>) => {
  const m = e.data;
  if (m.type === "canvas") {
    canvas = m.canvas;
    dpr = m.dpr;
  } else if (m.type === "geometry") {
    geometry = m.geometry;
  } else {
    frame = m.frame;
  }
  if (!scheduled) {
    scheduled = true;
    setTimeout(paint, 0);
  }
};
