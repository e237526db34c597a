import { useCircuitsStore } from "./circuitsStore.ts";
import { LINE_HEIGHT, type GraphLayout } from "./graphLayout.ts";
import { fitLabel, LABEL_FONT_PX } from "./labelFit.ts";
import { graphLabel } from "./nodeFacts.ts";
import type { Transform } from "./panZoom.ts";
import type { ViewGraph } from "./viewGraph.ts";

/** Labels are drawn only where a node's slot is this wide on screen. */
const MIN_LABEL_SLOT_PX = 34;
const MAX_LABELS = 400;

/**
 * Node labels in screen coordinates, under their nodes. Each is cut to its node's slot, and the
 * slots of a cell do not overlap, so neither do labels; when zoomed out too far for a readable
 * label, there is none.
 */
export function GraphLabels(props: {
  view: ViewGraph;
  layout: GraphLayout;
  shownNodes: Uint8Array;
  t: Transform;
  size: { width: number; height: number };
}) {
  const { view, layout, shownNodes, t, size } = props;
  const clerps = useCircuitsStore((s) => s.clerps);
  const linePx = LINE_HEIGHT * t.k;
  const labels = [];
  for (const node of view.nodes) {
    if (labels.length === MAX_LABELS) break;
    const i = node.index;
    if (!shownNodes[i]) continue;
    const slotPx = layout.slot[i]! * t.k;
    const rPx = layout.r[i]! * t.k;
    if (slotPx < MIN_LABEL_SLOT_PX || linePx < 2 * rPx + LABEL_FONT_PX + 6) continue;
    const x = layout.x[i]! * t.k + t.x;
    const y = (layout.y[i]! + layout.r[i]!) * t.k + t.y + LABEL_FONT_PX + 1;
    if (x < -slotPx || x > size.width + slotPx || y < 0 || y > size.height + LABEL_FONT_PX)
      continue;
    const clerp = Object.hasOwn(clerps, node.json.node_id)
      ? clerps[node.json.node_id]!
      : node.json.clerp;
    const text = fitLabel(graphLabel(node, clerp), slotPx - 4);
    if (text === "") continue;
    labels.push(
      <text key={i} x={x} y={y} className="node-label">
        {text}
      </text>,
    );
  }
  return <g className="graph-labels">{labels}</g>;
}
