import { memo } from "react";
import { visibleToken } from "../inspect/features/tokenText.ts";
import { ROW_HEIGHT, type GraphLayout } from "./graphLayout.ts";
import { fitLabel } from "./labelFit.ts";
import type { Transform } from "./panZoom.ts";
import { AXIS_BOTTOM, AXIS_LEFT } from "./usePanZoom.ts";

function rowName(row: number, nLayers: number): string {
  if (row === 0) return "Emb";
  if (row === nLayers + 1) return "Logit";
  return `L${row - 1}`;
}

/** The layer of each row along the left, and the prompt's tokens along the bottom. */
export function GraphAxes(props: {
  layout: GraphLayout;
  tokens: string[];
  nLayers: number;
  t: Transform;
  size: { width: number; height: number };
}) {
  const { layout, tokens, nLayers, t, size } = props;
  const rowPx = ROW_HEIGHT * t.k;
  const bottom = size.height - AXIS_BOTTOM;
  return (
    <g className="graph-axes">
      <rect className="axis-band" x={0} y={bottom} width={size.width} height={AXIS_BOTTOM} />
      {layout.columns.map((c, p) => {
        const x = (c.x + c.width / 2) * t.k + t.x;
        const width = c.width * t.k;
        if (x < AXIS_LEFT - width / 2 || x > size.width + width / 2) return null;
        const token = visibleToken(tokens[p] ?? "");
        return (
          <text key={p} x={x} y={bottom + 19} className="axis-label axis-token">
            <title>{`position ${p}: ${token}`}</title>
            <tspan data-testid="axis-token">{fitLabel(token, width - 4) || "…"}</tspan>
          </text>
        );
      })}
      <rect className="axis-band" x={0} y={0} width={AXIS_LEFT} height={size.height} />
      {rowPx >= 12 &&
        layout.rowY.map((y, row) => {
          const sy = y * t.k + t.y;
          if (sy < 0 || sy > bottom) return null;
          return (
            <text key={row} x={AXIS_LEFT - 6} y={sy + 4} className="axis-label axis-layer">
              {rowName(row, nLayers)}
            </text>
          );
        })}
    </g>
  );
}

/** Light lines between rows and columns, in world coordinates (under the nodes). */
export const GraphGrid = memo(function GraphGrid(props: { layout: GraphLayout }) {
  const { layout } = props;
  const lines = [];
  for (const c of layout.columns.slice(1)) {
    lines.push(<line key={`c${c.x}`} x1={c.x} x2={c.x} y1={0} y2={layout.height} />);
  }
  for (const [row, y] of layout.rowY.entries()) {
    if (row === 0) continue;
    const edge = y + layout.rowHeight[row]! / 2;
    lines.push(<line key={`r${row}`} x1={0} x2={layout.width} y1={edge} y2={edge} />);
  }
  return <g className="graph-grid">{lines}</g>;
});
