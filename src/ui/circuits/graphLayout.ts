import type { NodeKind, ViewGraph, ViewNode } from "./viewGraph.ts";

/** World units: the view scales them to the screen. A row holds at least one line of nodes. */
export const ROW_HEIGHT = 80;
/** The height of one line of nodes in a cell (a node, and its label under it). */
export const LINE_HEIGHT = 44;
export const MIN_COLUMN_WIDTH = 90;
/** A crowded cell's nodes shrink down to this much width each (the column widens beyond it). */
export const MIN_SLOT = 12;
const MAX_SLOT = 44;
const MAX_RADIUS = 12;
const CELL_PADDING = 4;
/** Nodes sit above their line's middle, leaving room for a label under them. */
const LABEL_ROOM = 7;
/** How far a kind's shape reaches from its centre, in radii (a token's pill is wider). */
export const SHAPE_EXTENT: Record<NodeKind, number> = {
  feature: 1,
  error: 1,
  embedding: 1.3,
  logit: 1.2,
};

/**
 * Where each node is drawn. Columns are token positions, rows are layers (embeddings at the
 * bottom, logits on top); the nodes of one (row, position) cell sit side by side, each in its own
 * slot, wrapping onto more lines when there are more than `perLine`, so none overlap. y grows
 * downwards (screen convention).
 */
export interface GraphLayout {
  x: Float32Array;
  y: Float32Array;
  r: Float32Array;
  /** The width of the node's slot: its label may use that much. */
  slot: Float32Array;
  columns: { x: number; width: number }[];
  /** Per row (index = ViewNode.row): its centre and height. */
  rowY: number[];
  rowHeight: number[];
  width: number;
  height: number;
}

/** Errors after features; more important first; then by feature index for a stable order. */
function cellOrder(a: ViewNode, b: ViewNode): number {
  const errA = a.kind === "error" ? 1 : 0;
  const errB = b.kind === "error" ? 1 : 0;
  return (
    errA - errB || b.importance - a.importance || (a.json.feature ?? 0) - (b.json.feature ?? 0)
  );
}

/** Lines a cell of `count` nodes takes, and nodes on its fullest line. */
function wrap(count: number, perLine: number): { lines: number; across: number } {
  const lines = Math.max(1, Math.ceil(count / perLine));
  return { lines, across: Math.ceil(count / lines) };
}

export function layoutGraph(graph: ViewGraph, perLine = Infinity): GraphLayout {
  const nPos = Math.max(1, graph.tokens.length);
  const nRows = graph.nLayers + 2;
  const cells = new Map<number, ViewNode[]>();
  for (const node of graph.nodes) {
    const key = node.row * nPos + node.json.ctx_idx;
    const cell = cells.get(key);
    if (cell) cell.push(node);
    else cells.set(key, [node]);
  }
  const across = new Array<number>(nPos).fill(0);
  const lines = new Array<number>(nRows).fill(1);
  for (const [key, cell] of cells) {
    const w = wrap(cell.length, perLine);
    across[key % nPos] = Math.max(across[key % nPos]!, w.across);
    lines[Math.floor(key / nPos)] = Math.max(lines[Math.floor(key / nPos)]!, w.lines);
  }
  const columns: GraphLayout["columns"] = [];
  let left = 0;
  for (let p = 0; p < nPos; p++) {
    const width = Math.max(MIN_COLUMN_WIDTH, across[p]! * MIN_SLOT + 2 * CELL_PADDING);
    columns.push({ x: left, width });
    left += width;
  }
  const rowHeight = lines.map((l) => Math.max(ROW_HEIGHT, l * LINE_HEIGHT + 2 * CELL_PADDING));
  const height = rowHeight.reduce((a, b) => a + b, 0);
  const rowY: number[] = [];
  let bottom = height;
  for (const h of rowHeight) {
    rowY.push(bottom - h / 2);
    bottom -= h;
  }

  const n = graph.nodes.length;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const r = new Float32Array(n);
  const slot = new Float32Array(n);
  for (const [key, cell] of cells) {
    const row = Math.floor(key / nPos);
    const column = columns[key % nPos]!;
    cell.sort(cellOrder);
    const w = wrap(cell.length, perLine);
    const width = Math.min(MAX_SLOT, (column.width - 2 * CELL_PADDING) / w.across);
    const top = rowY[row]! - (w.lines * LINE_HEIGHT) / 2;
    cell.forEach((node, i) => {
      const line = Math.floor(i / w.across);
      const onLine = Math.min(w.across, cell.length - line * w.across);
      const start = column.x + column.width / 2 - (width * onLine) / 2;
      x[node.index] = start + width * ((i % w.across) + 0.5);
      y[node.index] = top + (line + 0.5) * LINE_HEIGHT - LABEL_ROOM;
      const fits = Math.min(width * 0.45, MAX_RADIUS) / SHAPE_EXTENT[node.kind];
      r[node.index] = fits * (0.4 + 0.6 * node.importance);
      slot[node.index] = width;
    });
  }
  return { x, y, r, slot, columns, rowY, rowHeight, width: left, height };
}

const WRAPS = [Infinity, 32, 16, 8, 4];

/**
 * The layout whose nodes are drawn largest when the whole graph is fitted to a view of this
 * aspect (width / height): a wide, crowded graph wraps its cells onto more lines.
 */
export function layoutForView(graph: ViewGraph, aspect: number): GraphLayout {
  let best: { layout: GraphLayout; size: number } | undefined;
  for (const perLine of WRAPS) {
    const layout = layoutGraph(graph, perLine);
    const k = Math.min(aspect / layout.width, 1 / layout.height);
    let slots = 0;
    for (const s of layout.slot) slots += s;
    const size = (k * slots) / Math.max(1, layout.slot.length);
    if (!best || size > best.size * 1.05) best = { layout, size };
  }
  return best!.layout;
}
