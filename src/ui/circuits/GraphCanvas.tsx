import { useEffect, useMemo, useRef } from "react";
import { useCircuitsStore } from "./circuitsStore.ts";
import { GraphAxes, GraphGrid } from "./GraphAxes.tsx";
import { GraphLabels } from "./GraphLabels.tsx";
import { GraphNodes } from "./GraphNodes.tsx";
import { NodeTooltip } from "./NodeTooltip.tsx";
import type { EdgeGeometry } from "./edgePainter.ts";
import { useEdgePainter } from "./useEdgePainter.ts";
import { centerOn, panBy, type Transform } from "./panZoom.ts";
import { useElementSize } from "./useElementSize.ts";
import { AXIS_BOTTOM, AXIS_LEFT, usePanZoom } from "./usePanZoom.ts";
import { layoutForView, type GraphLayout } from "./graphLayout.ts";
import type { ViewGraph } from "./viewGraph.ts";
import { useShownGraph } from "./useShownGraph.ts";

const DRAG_PX = 3;

// Layouts per graph and view aspect: built once each, kept while the graph is.
const layouts = new WeakMap<ViewGraph, Map<number, GraphLayout>>();
/** The shown links' ends, for the edge painter. */
function edgeGeometry(view: ViewGraph, layout: GraphLayout, links: Int32Array): EdgeGeometry {
  return {
    x: layout.x,
    y: layout.y,
    source: links.map((l) => view.linkSource[l]!),
    target: links.map((l) => view.linkTarget[l]!),
    weight: Float32Array.from(links, (l) => view.linkWeight[l]!),
    maxAbsWeight: view.maxAbsWeight,
  };
}

function cachedLayout(view: ViewGraph, aspect: number): GraphLayout {
  let byAspect = layouts.get(view);
  if (!byAspect) layouts.set(view, (byAspect = new Map()));
  let layout = byAspect.get(aspect);
  if (!layout) byAspect.set(aspect, (layout = layoutForView(view, aspect)));
  return layout;
}

const nodeIdAt = (target: EventTarget | null) =>
  (target as Element | null)?.closest?.("[data-node]")?.getAttribute("data-node") ?? undefined;

/** The graph: edges on a canvas, nodes and labels in SVG above it, panned and zoomed together. */
export function GraphCanvas() {
  const surface = useRef<HTMLDivElement>(null);
  const size = useElementSize(surface);
  return (
    <div className="graph-surface" ref={surface} data-testid="graph-surface">
      {size && size.width > 0 && size.height > 0 && <GraphDrawing surface={surface} size={size} />}
    </div>
  );
}

function GraphDrawing(props: {
  surface: React.RefObject<HTMLDivElement | null>;
  size: { width: number; height: number };
}) {
  const { surface, size } = props;
  const { view, pinned, shownNodes, shownLinks } = useShownGraph();
  const aspect = Math.round(((size.width - AXIS_LEFT) / (size.height - AXIS_BOTTOM)) * 10) / 10;
  const layout = useMemo(() => cachedLayout(view, aspect), [view, aspect]);
  const hoveredId = useCircuitsStore((s) => s.hoveredId);
  const selectedId = useCircuitsStore((s) => s.selectedId);
  const supernodes = useCircuitsStore((s) => s.supernodes);
  const focus = useCircuitsStore((s) => s.focus);
  const { t, update, zoomBy, reset } = usePanZoom(surface, layout, size);
  const drag = useRef<{ x: number; y: number; t: Transform; nodeId?: string; moved: boolean }>(
    undefined,
  );

  const hovered = hoveredId !== undefined ? view.indexById.get(hoveredId) : undefined;
  const selected = selectedId !== undefined ? view.indexById.get(selectedId) : undefined;
  const supernodeOf = useMemo(() => {
    const of = new Map<number, number>();
    supernodes.forEach((s, group) => {
      for (const id of s.nodeIds) {
        const index = view.indexById.get(id);
        if (index !== undefined) of.set(index, group);
      }
    });
    return of;
  }, [supernodes, view]);

  const edgeFocus = hovered ?? selected;
  const geometry = useMemo(
    () => edgeGeometry(view, layout, shownLinks),
    [view, layout, shownLinks],
  );
  const frame = useMemo(
    () => ({ t, focus: edgeFocus, width: size.width, height: size.height }),
    [t, edgeFocus, size.width, size.height],
  );
  useEdgePainter(surface, geometry, frame);

  useEffect(() => {
    if (!focus) return;
    const index = view.indexById.get(focus.id);
    if (index === undefined) return;
    update((old) => centerOn(old, layout.x[index]!, layout.y[index]!, size));
    // Only a new request moves the view, not a resize or a new layout.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focus?.seq]);

  const ring = (index: number | undefined, className: string) =>
    index !== undefined && shownNodes[index] ? (
      <circle
        className={className}
        cx={layout.x[index]!}
        cy={layout.y[index]!}
        r={layout.r[index]! + 4 / t.k}
      />
    ) : null;

  return (
    <>
      <svg
        className="graph-svg"
        width={size.width}
        height={size.height}
        role="img"
        aria-label={`Attribution graph: ${view.nodes.length} nodes and ${view.linkSource.length} edges; tokens along the bottom, layers going up, logits on top`}
        data-testid="graph-svg"
        onPointerOver={(e) => {
          const id = nodeIdAt(e.target);
          if (id !== useCircuitsStore.getState().hoveredId) useCircuitsStore.getState().hover(id);
        }}
        onPointerLeave={() => useCircuitsStore.getState().hover(undefined)}
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          drag.current = {
            x: e.clientX,
            y: e.clientY,
            t,
            nodeId: nodeIdAt(e.target),
            moved: false,
          };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const dx = e.clientX - d.x;
          const dy = e.clientY - d.y;
          if (!d.moved && Math.abs(dx) + Math.abs(dy) < DRAG_PX) return;
          d.moved = true;
          update(() => panBy(d.t, dx, dy));
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = undefined;
          if (!d || d.moved) return;
          const store = useCircuitsStore.getState();
          if (d.nodeId && e.shiftKey) store.togglePin(d.nodeId);
          else store.select(d.nodeId);
        }}
        onPointerCancel={() => (drag.current = undefined)}
      >
        <g transform={`translate(${t.x} ${t.y}) scale(${t.k})`}>
          <GraphGrid layout={layout} />
          <GraphNodes
            view={view}
            layout={layout}
            shownNodes={shownNodes}
            pinned={pinned}
            supernodeOf={supernodeOf}
          />
          {ring(selected, "node-ring selected")}
          {hovered !== selected && ring(hovered, "node-ring hovered")}
        </g>
        <GraphLabels view={view} layout={layout} shownNodes={shownNodes} t={t} size={size} />
        <GraphAxes layout={layout} tokens={view.tokens} nLayers={view.nLayers} t={t} size={size} />
      </svg>
      {hovered !== undefined && shownNodes[hovered] ? (
        <NodeTooltip view={view} layout={layout} index={hovered} t={t} size={size} />
      ) : null}
      <div className="graph-zoom" role="group" aria-label="Zoom">
        <button type="button" aria-label="Zoom in" onClick={() => zoomBy(1.5)}>
          +
        </button>
        <button type="button" aria-label="Zoom out" onClick={() => zoomBy(1 / 1.5)}>
          −
        </button>
        <button type="button" onClick={reset}>
          Fit
        </button>
      </div>
    </>
  );
}
