import type { NodeKind, ViewGraph, ViewNode } from "./viewGraph.ts";

/** World units: the view scales them to the screen. */
export const ROW_HEIGHT = 80;
export const MIN_COLUMN_WIDTH = 90;
/** A crowded cell's nodes shrink down to this much width each (the column widens beyond it). */
export const MIN_SLOT = 12;
const MAX_SLOT = 44;
const MAX_RADIUS = 12;
const CELL_PADDING = 4;
/** How far a kind's shape reaches from its centre, in radii (a token's pill is wider). */
export const SHAPE_EXTENT: Record<NodeKind, number> = {
  feature: 1,
  error: 1,
  embedding: 1.3,
  logit: 1.2,
};

/** Nodes sit above their row's middle, leaving room for a label under them. */
const LABEL_ROOM = 9;

/**
 * Where each node is drawn. Columns are token positions, rows are layers (embeddings at the
 * bottom, logits on top); the nodes of one (row, position) cell sit side by side, each in its own
 * slot, so none overlap. y grows downwards (screen convention).
 */
export interface GraphLayout {
  x: Float32Array;
  y: Float32Array;
  r: Float32Array;
  /** The width of the node's slot: its label may use that much. */
  slot: Float32Array;
  columns: { x: number; width: number }[];
  /** Row centres, index = ViewNode.row. */
  rowY: number[];
  width: number;
  height: number;
}

/** Errors after features; more important first; then by feature index for a stable order. */
function cellOrder(a: ViewNode, b: ViewNode): number {
  const errA = a.kind === "error" ? 1 : 0;
  const errB = b.kind === "error" ? 1 : 0;
  return errA - errB || b.importance - a.importance || a.json.feature - b.json.feature;
}

export function layoutGraph(graph: ViewGraph): GraphLayout {
  const nPos = Math.max(1, graph.tokens.length);
  const nRows = graph.nLayers + 2;
  const cells = new Map<number, ViewNode[]>();
  for (const node of graph.nodes) {
    const key = node.row * nPos + node.json.ctx_idx;
    const cell = cells.get(key);
    if (cell) cell.push(node);
    else cells.set(key, [node]);
  }
  const busiest = new Array<number>(nPos).fill(0);
  for (const [key, cell] of cells) {
    const pos = key % nPos;
    busiest[pos] = Math.max(busiest[pos]!, cell.length);
  }
  const columns: GraphLayout["columns"] = [];
  let left = 0;
  for (let p = 0; p < nPos; p++) {
    const width = Math.max(MIN_COLUMN_WIDTH, busiest[p]! * MIN_SLOT + 2 * CELL_PADDING);
    columns.push({ x: left, width });
    left += width;
  }
  const height = nRows * ROW_HEIGHT;
  const rowY = Array.from({ length: nRows }, (_, row) => height - (row + 0.5) * ROW_HEIGHT);

  const n = graph.nodes.length;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const r = new Float32Array(n);
  const slot = new Float32Array(n);
  for (const [key, cell] of cells) {
    const row = Math.floor(key / nPos);
    const column = columns[key % nPos]!;
    cell.sort(cellOrder);
    const width = Math.min(MAX_SLOT, (column.width - 2 * CELL_PADDING) / cell.length);
    const start = column.x + column.width / 2 - (width * cell.length) / 2;
    cell.forEach((node, i) => {
      x[node.index] = start + width * (i + 0.5);
      y[node.index] = rowY[row]! - LABEL_ROOM;
      const fits = Math.min(width * 0.45, MAX_RADIUS) / SHAPE_EXTENT[node.kind];
      r[node.index] = fits * (0.4 + 0.6 * node.importance);
      slot[node.index] = width;
    });
  }
  return { x, y, r, slot, columns, rowY, width: left, height };
}
