import { ConfigPanel } from "./ConfigPanel.tsx";
import { EvalSummary } from "./EvalSummary.tsx";
import { useCurrentRun } from "../state/runsStore.ts";
import { LiveDensity } from "./LiveDensity.tsx";
import { LiveFrontier } from "./LiveFrontier.tsx";
import { MetricCharts } from "./MetricCharts.tsx";
import "./TrainView.css";

/** Configure on the left, watch both dictionaries train on shared charts on the right. */
export function TrainView() {
  // A sweep draws its frontier where a pair shows its two density histograms.
  const sweep = useCurrentRun()?.config.sweep !== undefined;
  return (
    <div className="train-view">
      <ConfigPanel />
      <div className="train-main">
        <MetricCharts>
          <EvalSummary />
        </MetricCharts>
        {sweep ? <LiveFrontier /> : <LiveDensity />}
      </div>
    </div>
  );
}
