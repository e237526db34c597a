import { useMemo } from "react";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useShownGraph } from "./useShownGraph.ts";

/** The node-threshold slider, what it leaves shown, and the legend. */
export function GraphToolbar() {
  const threshold = useCircuitsStore((s) => s.threshold);
  const setThreshold = useCircuitsStore((s) => s.setThreshold);
  const { view, shownNodes, shownLinks } = useShownGraph();
  const nShown = useMemo(() => shownNodes.reduce((a, b) => a + b, 0), [shownNodes]);
  return (
    <div className="graph-toolbar">
      <label className="graph-threshold">
        <span title="A node shows when its cumulative influence is at most this: lower keeps only the most important nodes. Tokens, logits and pinned nodes always show.">
          Node threshold
        </span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={threshold}
          data-testid="node-threshold"
          onChange={(e) => setThreshold(Number(e.currentTarget.value))}
        />
        <span className="mono">{threshold.toFixed(2)}</span>
      </label>
      <span className="muted" data-testid="graph-counts">
        {nShown.toLocaleString()} of {view.nodes.length.toLocaleString()} nodes,{" "}
        {shownLinks.length.toLocaleString()} of {view.linkSource.length.toLocaleString()} edges
      </span>
      <span className="graph-legend" aria-label="Legend">
        <span className="legend-item">
          <svg width="12" height="12" aria-hidden>
            <circle cx="6" cy="6" r="5" className="node node-feature" />
          </svg>
          feature
        </span>
        <span className="legend-item">
          <svg width="12" height="12" aria-hidden>
            <rect x="1" y="1" width="10" height="10" className="node node-error" />
          </svg>
          error (transcoder miss)
        </span>
        <span className="legend-item">
          <svg width="12" height="12" aria-hidden>
            <rect x="1" y="2" width="10" height="8" rx="3" className="node node-embedding" />
          </svg>
          token
        </span>
        <span className="legend-item">
          <svg width="12" height="12" aria-hidden>
            <polygon points="6,0 12,6 6,12 0,6" className="node node-logit" />
          </svg>
          logit
        </span>
        <span className="legend-item legend-positive">━ excites</span>
        <span className="legend-item legend-negative">━ inhibits</span>
      </span>
    </div>
  );
}
