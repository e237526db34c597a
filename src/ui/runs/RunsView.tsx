import { ParetoChart } from "./ParetoChart.tsx";
import { ReproducePanel } from "./ReproducePanel.tsx";
import { RunsTable } from "./RunsTable.tsx";
import "./RunsView.css";

/** Every run kept in the browser: the table, the sparsity/fidelity trade-off, and the way out. */
export function RunsView(props: { active: boolean }) {
  return (
    <div className="runs-view">
      <RunsTable />
      <div className="runs-bottom">
        {props.active && <ParetoChart />}
        <ReproducePanel />
      </div>
    </div>
  );
}
