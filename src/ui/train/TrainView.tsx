import { ConfigPanel } from "./ConfigPanel.tsx";
import { EvalSummary } from "./EvalSummary.tsx";
import { LiveDensity } from "./LiveDensity.tsx";
import { MetricCharts } from "./MetricCharts.tsx";
import "./TrainView.css";

/** Configure on the left, watch both dictionaries train on shared charts on the right. */
export function TrainView() {
  return (
    <div className="train-view">
      <ConfigPanel />
      <div className="train-main">
        <MetricCharts>
          <EvalSummary />
        </MetricCharts>
        <LiveDensity />
      </div>
    </div>
  );
}
