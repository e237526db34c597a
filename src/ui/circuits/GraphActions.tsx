import { graphJsonText } from "../../engine/circuits/graphJson.ts";
import { useCircuitsStore } from "./circuitsStore.ts";
import { graphFileName } from "./graphEdits.ts";
import { GraphUploadButton } from "./GraphUploadButton.tsx";

/** Saves the graph, with the reader's pins, supernodes and labels, as circuit-tracer JSON. */
function downloadGraph(): void {
  const json = useCircuitsStore.getState().editedJson();
  if (!json) return;
  const blob = new Blob([graphJsonText(json)], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = graphFileName(json);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download the graph (with the reader's edits), show another, or close it. */
export function GraphActions() {
  return (
    <div className="graph-actions">
      <button type="button" onClick={downloadGraph}>
        Download JSON
      </button>
      <GraphUploadButton label="Upload another…" />
      <button type="button" onClick={() => useCircuitsStore.getState().clear()}>
        Close
      </button>
    </div>
  );
}
