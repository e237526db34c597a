import { useEffect, useRef, type RefObject } from "react";
import { paintEdges, type EdgeColors, type EdgeFrame, type EdgeGeometry } from "./edgePainter.ts";
import type { EdgePainterMessage } from "./edgePainter.worker.ts";

interface Painter {
  geometry: (g: EdgeGeometry) => void;
  frame: (f: EdgeFrame) => void;
}

/** Paints in a worker through an OffscreenCanvas, so the main thread never strokes an edge. */
function workerPainter(canvas: HTMLCanvasElement): { painter: Painter; stop: () => void } {
  const worker = new Worker(new URL("./edgePainter.worker.ts", import.meta.url), {
    type: "module",
  });
  const send = (m: EdgePainterMessage, transfer: Transferable[] = []) =>
    worker.postMessage(m, transfer);
  const offscreen = canvas.transferControlToOffscreen();
  send({ type: "canvas", canvas: offscreen, dpr: window.devicePixelRatio || 1 }, [offscreen]);
  return {
    painter: {
      geometry: (geometry) => send({ type: "geometry", geometry }),
      frame: (frame) => send({ type: "frame", frame }),
    },
    stop: () => worker.terminate(),
  };
}

/** Where OffscreenCanvas is missing: paints on the main thread, at most once a frame. */
function mainThreadPainter(canvas: HTMLCanvasElement): { painter: Painter; stop: () => void } {
  let geometry: EdgeGeometry | undefined;
  let frame: EdgeFrame | undefined;
  let request = 0;
  const paint = () => {
    request = 0;
    const ctx = canvas.getContext("2d");
    if (!ctx || !geometry || !frame) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(frame.width * dpr);
    canvas.height = Math.round(frame.height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintEdges(ctx, geometry, frame);
  };
  const schedule = () => {
    if (!request) request = requestAnimationFrame(paint);
  };
  return {
    painter: {
      geometry: (g) => ((geometry = g), schedule()),
      frame: (f) => ((frame = f), schedule()),
    },
    stop: () => cancelAnimationFrame(request),
  };
}

/** The sign colours from the page's CSS (they follow the colour scheme). */
function edgeColors(el: HTMLElement): EdgeColors {
  const style = getComputedStyle(el);
  return {
    positive: style.getPropertyValue("--edge-positive").trim() || "#3b6fd8",
    negative: style.getPropertyValue("--edge-negative").trim() || "#d8453b",
  };
}

/**
 * A canvas of edges inside `host`, created here (an OffscreenCanvas transfer can happen once per
 * element), painted from the latest geometry and frame.
 */
export function useEdgePainter(
  host: RefObject<HTMLElement | null>,
  geometry: EdgeGeometry,
  frame: Omit<EdgeFrame, "colors">,
): void {
  const painter = useRef<Painter>(undefined);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const canvas = document.createElement("canvas");
    canvas.className = "graph-edges";
    el.prepend(canvas);
    const made =
      "transferControlToOffscreen" in canvas ? workerPainter(canvas) : mainThreadPainter(canvas);
    painter.current = made.painter;
    return () => {
      made.stop();
      painter.current = undefined;
      canvas.remove();
    };
  }, [host]);
  useEffect(() => painter.current?.geometry(geometry), [geometry]);
  useEffect(() => {
    if (host.current) painter.current?.frame({ ...frame, colors: edgeColors(host.current) });
  }, [frame, host]);
}
