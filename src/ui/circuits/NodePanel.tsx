import { useCircuitsStore, useClerp } from "./circuitsStore.ts";
import { EdgeList } from "./EdgeList.tsx";
import { FeatureDetails } from "./FeatureDetails.tsx";
import { useFeatureSource } from "./featureSource.ts";
import { nodeFacts, nodeName, strongestLinks } from "./nodeFacts.ts";
import { useShownGraph } from "./useShownGraph.ts";

const EDGES_LISTED = 8;

/** The clicked node: its facts, its pin, its label, and its strongest links in and out. */
export function NodePanel() {
  const selectedId = useCircuitsStore((s) => s.selectedId);
  const pinned = useCircuitsStore((s) => (selectedId ? s.pinnedIds.includes(selectedId) : false));
  const { view, shownNodes } = useShownGraph();
  const clerp = useClerp(selectedId);
  const index = selectedId !== undefined ? view.indexById.get(selectedId) : undefined;
  const source = useFeatureSource(index !== undefined ? view.nodes[index] : undefined);
  if (index === undefined) {
    return (
      <section className="node-panel" data-testid="node-panel">
        <p className="muted">
          Hover a node for its details; click it to keep them here with its strongest edges;
          shift-click (or Pin) adds it to the subgraph. Drag to pan, scroll to zoom.
        </p>
      </section>
    );
  }
  const node = view.nodes[index]!;
  const id = node.json.node_id;
  const store = useCircuitsStore.getState();
  return (
    <section className="node-panel" data-testid="node-panel" aria-label="Selected node">
      <header className="node-panel-head">
        <h3>{nodeName(node, view, clerp)}</h3>
        <button
          type="button"
          aria-pressed={pinned}
          data-testid="pin-toggle"
          onClick={() => store.togglePin(id)}
        >
          {pinned ? "Unpin" : "Pin"}
        </button>
      </header>
      {node.kind === "feature" && (
        <label className="clerp-field">
          Label
          <input
            type="text"
            value={clerp}
            placeholder="what this feature does"
            data-testid="clerp-input"
            onChange={(e) => store.setClerp(id, e.currentTarget.value)}
          />
        </label>
      )}
      <table className="node-facts">
        <tbody>
          {nodeFacts(node, view, clerp).map(([field, value]) => (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td className="mono">{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <EdgeList
        title="Strongest inputs"
        testId="edges-in"
        view={view}
        links={strongestLinks(view, index, "incoming", EDGES_LISTED, shownNodes)}
      />
      <EdgeList
        title="Strongest outputs"
        testId="edges-out"
        view={view}
        links={strongestLinks(view, index, "outgoing", EDGES_LISTED, shownNodes)}
      />
      {source && <FeatureDetails source={source} />}
    </section>
  );
}
