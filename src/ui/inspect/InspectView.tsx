import { DashboardsPanel } from "./features/DashboardsPanel.tsx";
import { FilePickers } from "./FilePickers.tsx";
import { HubForm } from "./HubForm.tsx";
import { LoadedList } from "./LoadedList.tsx";
import { PromptPanel } from "./prompt/PromptPanel.tsx";
import "./InspectView.css";

/**
 * Bring your own weights on the left; what is loaded on the right; below both, across the
 * whole width (the contexts need it), the feature dashboards of trained and loaded dictionaries.
 */
export function InspectView() {
  return (
    <div className="inspect-view" aria-label="Inspect">
      <aside className="inspect-side">
        <section className="inspect-panel" aria-label="Load from disk">
          <h3>Load from disk</h3>
          <FilePickers />
        </section>
        <HubForm />
      </aside>
      <div className="inspect-main">
        <LoadedList />
      </div>
      <PromptPanel />
      <DashboardsPanel />
    </div>
  );
}
