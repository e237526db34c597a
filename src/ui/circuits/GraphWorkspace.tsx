import { GraphActions } from "./GraphActions.tsx";
import { GraphCanvas } from "./GraphCanvas.tsx";
import { GraphError } from "./GraphError.tsx";
import { GraphMetadata } from "./GraphMetadata.tsx";
import { GraphToolbar } from "./GraphToolbar.tsx";
import { InterventionMount } from "./InterventionMount.tsx";
import { NodePanel } from "./NodePanel.tsx";
import { SubgraphPanel } from "./SubgraphPanel.tsx";
import { useCircuitsStore } from "./circuitsStore.ts";
import { ComputeForm } from "./ComputeForm.tsx";
import type { SetChoice } from "./setChoices.ts";

/** A shown graph: what it is, the controls, the drawing, and the side panel. */
export function GraphWorkspace(props: { choices: readonly SetChoice[] }) {
  const view = useCircuitsStore((s) => s.shown!.view);
  return (
    <div className="circuits-workspace">
      <header className="graph-head">
        <GraphMetadata />
        <GraphActions />
      </header>
      {props.choices.length > 0 && <ComputeForm choices={props.choices} compact />}
      <GraphToolbar />
      <GraphError />
      <div className="circuits-main">
        <GraphCanvas />
        <aside className="circuits-side">
          <NodePanel />
          <SubgraphPanel view={view} />
          <InterventionMount />
        </aside>
      </div>
    </div>
  );
}
