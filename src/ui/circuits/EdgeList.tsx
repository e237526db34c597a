import { useCircuitsStore } from "./circuitsStore.ts";
import { nodeName, type NodeLink } from "./nodeFacts.ts";
import type { ViewGraph } from "./viewGraph.ts";

/** A node's strongest links one way; each names the node at the other end and jumps to it. */
export function EdgeList(props: {
  title: string;
  links: NodeLink[];
  view: ViewGraph;
  testId: string;
}) {
  const { title, links, view, testId } = props;
  const clerps = useCircuitsStore((s) => s.clerps);
  return (
    <section className="edge-list" data-testid={testId}>
      <h4>{title}</h4>
      {links.length === 0 ? (
        <p className="muted">none shown</p>
      ) : (
        <ol>
          {links.map(({ link, other, weight }) => {
            const node = view.nodes[other]!;
            const id = node.json.node_id;
            const clerp = Object.hasOwn(clerps, id) ? clerps[id]! : node.json.clerp;
            return (
              <li key={link}>
                <button
                  type="button"
                  className="edge-jump"
                  title={`Show ${id}`}
                  onClick={() => useCircuitsStore.getState().select(id, true)}
                >
                  <span className="edge-name">{nodeName(node, view, clerp)}</span>
                  <span className={`mono ${weight < 0 ? "edge-negative" : "edge-positive"}`}>
                    {weight > 0 ? "+" : ""}
                    {Number(weight.toPrecision(3))}
                  </span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
