import { ParetoChart } from "./ParetoChart.tsx";
import { ReproducePanel } from "./ReproducePanel.tsx";
import { RunsSimilarity } from "./RunsSimilarity.tsx";
import { RunsTable } from "./RunsTable.tsx";
import { SavedGraphsList } from "../circuits/SavedGraphsList.tsx";
import "./RunsView.css";

/** Opens the Circuits view, where an opened graph shows (the top bar owns the view). */
function showCircuitsTab(): void {
  const tabs = document.querySelectorAll<HTMLButtonElement>('[role="tab"]');
  [...tabs].find((t) => t.textContent === "Circuits")?.click();
}

/** Every run kept in the browser: the table, the sparsity/fidelity trade-off, a synthetic run's recovered
 * features, and the way out. */
export function RunsView(props: { active: boolean }) {
  return (
    <div className="runs-view">
      <RunsTable />
      <SavedGraphsList title="Attribution graphs computed here" onOpen={showCircuitsTab} />
      <div className="runs-bottom">
        <div className="runs-plots">
          {props.active && <ParetoChart />}
          {props.active && <RunsSimilarity />}
        </div>
        <ReproducePanel />
      </div>
    </div>
  );
}
