import { FilePickers } from "./FilePickers.tsx";
import { HubForm } from "./HubForm.tsx";
import { LoadedList } from "./LoadedList.tsx";
import "./InspectView.css";

/**
 * Bring your own weights on the left; what is loaded on the right. Feature dashboards for
 * trained and loaded dictionaries come below the list (the inspector issue).
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
        <section className="inspect-panel dashboards-placeholder" aria-label="Feature dashboards">
          <h3>Feature dashboards</h3>
          <p className="muted">
            Coming: top activating contexts, activation histograms, logit effects and try-a-prompt
            for trained and loaded dictionaries.
          </p>
        </section>
      </div>
    </div>
  );
}
