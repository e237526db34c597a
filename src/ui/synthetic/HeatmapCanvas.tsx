import { useEffect, useMemo, useRef, useState, type MouseEvent, type RefObject } from "react";
import { cellAt, heatmapPixels, plotRect, type GridShape } from "./heatmapGrid.ts";
import { meanBestAbsCos } from "./similarityView.ts";

interface Hover {
  row: number;
  col: number;
  x: number;
  y: number;
}

/** Follows an element's CSS size. */
function useSize(ref: RefObject<HTMLElement | null>): { width: number; height: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      const box = entry!.contentRect;
      setSize({ width: Math.floor(box.width), height: Math.floor(box.height) });
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** The cells as a bitmap one pixel a cell, scaled up without smoothing when drawn. */
function cellBitmap(values: Float32Array, shape: GridShape): HTMLCanvasElement {
  const bitmap = document.createElement("canvas");
  bitmap.width = shape.cols;
  bitmap.height = shape.rows;
  const image = new ImageData(heatmapPixels(values, shape), shape.cols, shape.rows);
  bitmap.getContext("2d")!.putImageData(image, 0, 0);
  return bitmap;
}

/** Axis titles and end ticks, in the page's muted text colour. */
function drawAxes(ctx: CanvasRenderingContext2D, canvas: HTMLElement, shape: GridShape): void {
  const style = getComputedStyle(canvas);
  const rect = plotRect(canvas.clientWidth, canvas.clientHeight);
  ctx.fillStyle = style.getPropertyValue("--text-muted").trim() || "#5b6470";
  ctx.font = `10px ${style.getPropertyValue("--font-mono").trim() || "monospace"}`;
  const bottom = rect.top + rect.height;
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillText("0", rect.left, bottom + 2);
  ctx.textAlign = "right";
  ctx.fillText(String(shape.cols - 1), rect.left + rect.width, bottom + 2);
  ctx.textAlign = "center";
  ctx.font = `10px ${style.getPropertyValue("--font-ui").trim() || "sans-serif"}`;
  ctx.fillText("true feature", rect.left + rect.width / 2, bottom + 13);
  ctx.textAlign = "right";
  ctx.textBaseline = "bottom";
  ctx.fillText("0", rect.left - 3, bottom + 1);
  ctx.textBaseline = "top";
  ctx.fillText(String(shape.rows - 1), rect.left - 3, rect.top);
  ctx.save();
  ctx.translate(10, rect.top + rect.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText("latent (sorted)", 0, 0);
  ctx.restore();
}

/**
 * One panel of plot_sae_feature_similarity on a canvas: latents (rows, in the matching's order)
 * against true features, each cell its signed cosine in RdBu; hovering names the cell.
 */
export function HeatmapCanvas(props: {
  title: string;
  /** Whose panel it is, for its accessible name ("SAE"). */
  dictionary: string;
  values: Float32Array;
  latents: Int32Array;
  features: number;
  testId: string;
}) {
  const { values, latents, features } = props;
  const shape = useMemo(() => ({ rows: latents.length, cols: features }), [latents, features]);
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const size = useSize(wrapRef);
  const [hover, setHover] = useState<Hover>();
  const bitmap = useMemo(() => cellBitmap(values, shape), [values, shape]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || size.width === 0 || size.height === 0) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.width * dpr);
    canvas.height = Math.round(size.height * dpr);
    const ctx = canvas.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size.width, size.height);
    const rect = plotRect(size.width, size.height);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, rect.left, rect.top, rect.width, rect.height);
    drawAxes(ctx, canvas, shape);
    canvas.dataset.drawn = "true";
  }, [bitmap, shape, size]);

  const onMove = (e: MouseEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - box.left;
    const y = e.clientY - box.top;
    const cell = cellAt(plotRect(box.width, box.height), shape, x, y);
    setHover(cell ? { ...cell, x, y } : undefined);
  };
  const summary = useMemo(() => meanBestAbsCos(values, shape.rows, shape.cols), [values, shape]);
  const label =
    `${props.dictionary} ${props.title}: ${shape.rows} latents × ${shape.cols} true features, signed cosine in ` +
    `red (−1) to blue (+1); each latent's best |cos| averages ${summary.toFixed(2)}`;
  const cos = hover ? values[hover.row * shape.cols + hover.col]! : 0;
  return (
    <figure className="heatmap-panel" data-testid={props.testId}>
      <figcaption className="small">{props.title}</figcaption>
      <div className="heatmap-plot" ref={wrapRef}>
        <canvas
          ref={canvasRef}
          role="img"
          aria-label={label}
          data-testid={`${props.testId}-canvas`}
          data-rows={shape.rows}
          data-cols={shape.cols}
          onMouseMove={onMove}
          onMouseLeave={() => setHover(undefined)}
        />
        {hover && (
          <div
            className="chart-tooltip heatmap-tooltip mono"
            data-testid={`${props.testId}-hover`}
            style={{
              left: hover.x > size.width / 2 ? undefined : hover.x + 12,
              right: hover.x > size.width / 2 ? size.width - hover.x + 12 : undefined,
              top: Math.max(0, hover.y - 30),
            }}
          >
            latent {latents[hover.row]} · feature {hover.col} · cos {cos.toFixed(2)}
          </div>
        )}
      </div>
    </figure>
  );
}
