import { AdapterBadge } from "./AdapterBadge.tsx";
import { ModelBadge } from "./ModelBadge.tsx";
import { ProgressBar } from "./ProgressBar.tsx";
import { RunControls } from "./RunControls.tsx";
import "./TopBar.css";

export type View = "train" | "runs" | "inspect" | "circuits";

const VIEWS: { id: View; label: string }[] = [
  { id: "train", label: "Train" },
  { id: "runs", label: "Runs" },
  { id: "inspect", label: "Inspect" },
  { id: "circuits", label: "Circuits" },
];

export function TopBar(props: { view: View; onView: (v: View) => void }) {
  return (
    <header className="topbar">
      <div className="topbar-row">
        <h1 className="brand">Transcoder Playground</h1>
        <ModelBadge />
        <AdapterBadge />
        <nav className="tabs" role="tablist" aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              role="tab"
              aria-selected={props.view === v.id}
              className={props.view === v.id ? "tab active" : "tab"}
              onClick={() => props.onView(v.id)}
            >
              {v.label}
            </button>
          ))}
        </nav>
      </div>
      <div className="topbar-row">
        <RunControls />
        <ProgressBar />
      </div>
    </header>
  );
}
