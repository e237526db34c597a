import { useClerp } from "./circuitsStore.ts";
import { useFeatureSource } from "./featureSource.ts";
import { HoverContexts } from "./HoverContexts.tsx";
import type { GraphLayout } from "./graphLayout.ts";
import { nodeFacts, nodeName } from "./nodeFacts.ts";
import type { Transform } from "./panZoom.ts";
import type { ViewGraph } from "./viewGraph.ts";

const WIDTH = 280;

/** The hovered node's facts, beside it (on its left near the right edge). */
export function NodeTooltip(props: {
  view: ViewGraph;
  layout: GraphLayout;
  index: number;
  t: Transform;
  size: { width: number; height: number };
}) {
  const { view, layout, index, t, size } = props;
  const node = view.nodes[index]!;
  const clerp = useClerp(node.json.node_id);
  const source = useFeatureSource(node);
  const x = layout.x[index]! * t.k + t.x;
  const y = layout.y[index]! * t.k + t.y;
  const gap = layout.r[index]! * t.k + 10;
  const left = x + gap + WIDTH < size.width ? x + gap : Math.max(0, x - gap - WIDTH);
  const top = Math.min(Math.max(0, y - 20), Math.max(0, size.height - 230));
  return (
    <div
      className="node-tooltip"
      data-testid="node-tooltip"
      role="tooltip"
      style={{ left, top, width: WIDTH }}
    >
      <strong>{nodeName(node, view, clerp)}</strong>
      <table>
        <tbody>
          {nodeFacts(node, view, clerp).map(([field, value]) => (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td className="mono">{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {source && <HoverContexts source={source} />}
    </div>
  );
}
