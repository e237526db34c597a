import { useEffect } from "react";
import { onEngineMessage } from "../engine.ts";
import { CircuitsEmpty } from "./CircuitsEmpty.tsx";
import { GraphWorkspace } from "./GraphWorkspace.tsx";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useComputeStore } from "./computeStore.ts";
import { useFeatureStatsStore } from "./featureStatsStore.ts";
import { useGraphLink } from "./graphLinkSync.ts";
import { keepComputedGraphs } from "./savedGraphsStore.ts";
import { useSetChoices } from "./setChoices.ts";
import { useCircuitsDrop } from "./useCircuitsDrop.ts";
import "./CircuitsView.css";

/**
 * Attribution graphs: computed here from a transcoder set (a run's, or loaded in Inspect), kept
 * and listed; or an uploaded circuit-tracer / Neuronpedia graph JSON. Then explored.
 */
export function CircuitsView(props: { active: boolean }) {
  const hasGraph = useCircuitsStore((s) => s.shown !== undefined);
  const dragging = useCircuitsDrop(props.active);
  const choices = useSetChoices();
  useEffect(() => {
    keepComputedGraphs();
    return onEngineMessage((m) => {
      useComputeStore.getState().receive(m);
      useFeatureStatsStore.getState().receive(m);
    });
  }, []);
  useGraphLink(choices);
  return (
    <div className="circuits-view">
      {hasGraph ? <GraphWorkspace choices={choices} /> : <CircuitsEmpty choices={choices} />}
      {dragging && (
        <div className="circuits-drop-overlay" aria-hidden>
          <strong>Drop a graph JSON to show it</strong>
        </div>
      )}
    </div>
  );
}
