import { memo } from "react";
import { SHAPE_EXTENT, type GraphLayout } from "./graphLayout.ts";
import type { ViewGraph, ViewNode } from "./viewGraph.ts";

/** One node's shape, in world coordinates: a circle, an error's square, a token's pill, a logit's diamond. */
function NodeShape(props: { node: ViewNode; x: number; y: number; r: number; className: string }) {
  const { node, x, y, r, className } = props;
  const common = {
    className,
    "data-node": node.json.node_id,
    vectorEffect: "non-scaling-stroke",
  } as const;
  switch (node.kind) {
    case "feature":
      return <circle cx={x} cy={y} r={r} {...common} />;
    case "error":
      return <rect x={x - r} y={y - r} width={2 * r} height={2 * r} {...common} />;
    case "embedding": {
      const w = SHAPE_EXTENT.embedding * r;
      return (
        <rect x={x - w} y={y - 0.8 * r} width={2 * w} height={1.6 * r} rx={0.6 * r} {...common} />
      );
    }
    case "logit": {
      const d = SHAPE_EXTENT.logit * r;
      return (
        <polygon points={`${x},${y - d} ${x + d},${y} ${x},${y + d} ${x - d},${y}`} {...common} />
      );
    }
  }
}

/**
 * Every shown node. It depends on the graph, the threshold, pins and supernodes only, so panning
 * and zooming (a transform on the parent group) never re-render it.
 */
export const GraphNodes = memo(function GraphNodes(props: {
  view: ViewGraph;
  layout: GraphLayout;
  shownNodes: Uint8Array;
  pinned: ReadonlySet<number>;
  /** Node index → its supernode's number. */
  supernodeOf: ReadonlyMap<number, number>;
}) {
  const { view, layout, shownNodes, pinned, supernodeOf } = props;
  return (
    <>
      {view.nodes.map((node) => {
        if (!shownNodes[node.index]) return null;
        const group = supernodeOf.get(node.index);
        const className =
          `node node-${node.kind}` +
          (pinned.has(node.index) ? " pinned" : "") +
          (group !== undefined ? ` in-supernode sn-${group % 6}` : "");
        return (
          <NodeShape
            key={node.index}
            node={node}
            x={layout.x[node.index]!}
            y={layout.y[node.index]!}
            r={layout.r[node.index]!}
            className={className}
          />
        );
      })}
    </>
  );
});
