/** screen = world · k + (x, y). */
export interface Transform {
  k: number;
  x: number;
  y: number;
}

/** How far past "fit" one may zoom out and in. */
export const MIN_ZOOM_OF_FIT = 0.5;
export const MAX_ZOOM_OF_FIT = 40;

/** The whole content, centred, with a margin in screen pixels. */
export function fitTransform(
  content: { width: number; height: number },
  view: { width: number; height: number },
  margin = 16,
): Transform {
  const k = Math.max(
    1e-3,
    Math.min(
      (view.width - 2 * margin) / Math.max(1, content.width),
      (view.height - 2 * margin) / Math.max(1, content.height),
    ),
  );
  return {
    k,
    x: (view.width - content.width * k) / 2,
    y: (view.height - content.height * k) / 2,
  };
}

/** Zooms by `factor`, keeping the world point under (px, py) where it is; k stays in bounds. */
export function zoomAt(
  t: Transform,
  factor: number,
  px: number,
  py: number,
  bounds: { min: number; max: number },
): Transform {
  const k = Math.min(bounds.max, Math.max(bounds.min, t.k * factor));
  const wx = (px - t.x) / t.k;
  const wy = (py - t.y) / t.k;
  return { k, x: px - wx * k, y: py - wy * k };
}

export function panBy(t: Transform, dx: number, dy: number): Transform {
  return { k: t.k, x: t.x + dx, y: t.y + dy };
}

/** Moves the world point (wx, wy) to the view's centre. */
export function centerOn(
  t: Transform,
  wx: number,
  wy: number,
  view: { width: number; height: number },
): Transform {
  return { k: t.k, x: view.width / 2 - wx * t.k, y: view.height / 2 - wy * t.k };
}
