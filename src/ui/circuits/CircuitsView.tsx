import { CircuitsEmpty } from "./CircuitsEmpty.tsx";
import { GraphWorkspace } from "./GraphWorkspace.tsx";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useCircuitsDrop } from "./useCircuitsDrop.ts";
import "./CircuitsView.css";

/** Attribution graphs: upload a circuit-tracer / Neuronpedia graph JSON, then explore it. */
export function CircuitsView(props: { active: boolean }) {
  const hasGraph = useCircuitsStore((s) => s.shown !== undefined);
  const dragging = useCircuitsDrop(props.active);
  return (
    <div className="circuits-view">
      {hasGraph ? <GraphWorkspace /> : <CircuitsEmpty />}
      {dragging && (
        <div className="circuits-drop-overlay" aria-hidden>
          <strong>Drop a graph JSON to show it</strong>
        </div>
      )}
    </div>
  );
}
