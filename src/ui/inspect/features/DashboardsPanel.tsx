import { useFeaturesStore } from "../../state/featuresStore.ts";
import { DashboardsControls } from "./DashboardsControls.tsx";
import { DashboardsSummary } from "./DashboardsSummary.tsx";
import { DensityHistogram } from "./DensityHistogram.tsx";
import { FeatureList } from "./FeatureList.tsx";
import { FeaturePage } from "./FeaturePage.tsx";
import { MatchPanel } from "./MatchPanel.tsx";
import "./Dashboards.css";

/**
 * Feature dashboards: the controls, the density of all features, the list and one feature; then
 * feature matching between two dictionaries.
 */
export function DashboardsPanel() {
  const d = useFeaturesStore((s) => s.dashboards);
  const selected = useFeaturesStore((s) => s.selected);
  return (
    <section className="inspect-panel dashboards" aria-label="Feature dashboards">
      <h3>Feature dashboards</h3>
      <DashboardsControls />
      {d && (
        <>
          <DashboardsSummary d={d} />
          <DensityHistogram d={d} />
          <div className="dash-grid">
            <FeatureList d={d} />
            {selected !== undefined && selected < d.dSae ? (
              <FeaturePage d={d} feature={selected} />
            ) : (
              <p className="muted feature-empty">Pick a feature in the list to open its page.</p>
            )}
          </div>
        </>
      )}
      <MatchPanel />
    </section>
  );
}
