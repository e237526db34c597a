import { DensityOrSimilarity } from "../synthetic/DensityOrSimilarity.tsx";
import { ConfigPanel } from "./ConfigPanel.tsx";
import { EvalSummary } from "./EvalSummary.tsx";
import { useCurrentRun } from "../state/runsStore.ts";
import { LiveFrontier } from "./LiveFrontier.tsx";
import { MetricCharts } from "./MetricCharts.tsx";
import "./TrainView.css";

/** Configure on the left, watch both dictionaries train on shared charts on the right. */
export function TrainView() {
  // A sweep draws its frontier where a pair shows its two density histograms; a run of more
  // (every layer) has its per-layer table in Results instead (a histogram each would not fit).
  const config = useCurrentRun()?.config;
  const sweep = config?.sweep !== undefined;
  const many = (config?.dictionaries.length ?? 0) > 2;
  return (
    <div className="train-view">
      <ConfigPanel />
      <div className="train-main">
        <MetricCharts>
          <EvalSummary />
        </MetricCharts>
        {sweep ? <LiveFrontier /> : !many && <DensityOrSimilarity />}
      </div>
    </div>
  );
}
