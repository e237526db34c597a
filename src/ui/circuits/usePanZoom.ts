import { useCallback, useEffect, useState, type RefObject } from "react";
import {
  fitTransform,
  MAX_ZOOM_OF_FIT,
  MIN_ZOOM_OF_FIT,
  panBy,
  zoomAt,
  type Transform,
} from "./panZoom.ts";

/** Room kept for the layer axis (left) and the token axis (bottom), in screen pixels. */
export const AXIS_LEFT = 48;
export const AXIS_BOTTOM = 30;
/** Room kept above the fitted graph for the zoom buttons. */
const TOP_ROOM = 28;

interface Kept {
  t: Transform;
  content: object;
  width: number;
  height: number;
}

export interface PanZoom {
  t: Transform;
  /** Replaces the transform (from the current one). */
  update: (change: (t: Transform) => Transform) => void;
  zoomBy: (factor: number, px?: number, py?: number) => void;
  reset: () => void;
}

/**
 * The view's transform: fitted to the content at first, and again whenever the content or the
 * view's size changes; the wheel zooms about the pointer. Dragging is left to the caller (it also
 * tells a click from a drag).
 */
export function usePanZoom(
  surface: RefObject<HTMLElement | null>,
  content: { width: number; height: number },
  size: { width: number; height: number },
): PanZoom {
  const fit = useCallback((): Transform => {
    const area = { width: size.width - AXIS_LEFT, height: size.height - AXIS_BOTTOM - TOP_ROOM };
    const t = fitTransform(content, area);
    return { ...t, x: t.x + AXIS_LEFT, y: t.y + TOP_ROOM };
  }, [content, size.width, size.height]);
  const [kept, setKept] = useState<Kept>();
  const current = useCallback(
    (k: Kept | undefined): Transform =>
      k && k.content === content && k.width === size.width && k.height === size.height
        ? k.t
        : fit(),
    [content, size.width, size.height, fit],
  );
  const t = current(kept);

  const update = useCallback(
    (change: (t: Transform) => Transform) =>
      setKept((old) => ({
        t: change(current(old)),
        content,
        width: size.width,
        height: size.height,
      })),
    [content, size.width, size.height, current],
  );
  const zoomBy = useCallback(
    (factor: number, px = size.width / 2, py = size.height / 2) => {
      const fitK = fit().k;
      const bounds = { min: fitK * MIN_ZOOM_OF_FIT, max: Math.max(4, fitK * MAX_ZOOM_OF_FIT) };
      update((old) => zoomAt(old, factor, px, py, bounds));
    },
    [update, fit, size.width, size.height],
  );
  const reset = useCallback(() => setKept(undefined), []);

  useEffect(() => {
    const el = surface.current;
    if (!el) return;
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = el.getBoundingClientRect();
      if (e.ctrlKey || Math.abs(e.deltaY) >= Math.abs(e.deltaX)) {
        zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
      } else {
        update((old) => panBy(old, -e.deltaX, 0));
      }
    };
    el.addEventListener("wheel", wheel, { passive: false });
    return () => el.removeEventListener("wheel", wheel);
  }, [surface, zoomBy, update]);

  return { t, update, zoomBy, reset };
}
