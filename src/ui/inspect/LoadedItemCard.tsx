import { useState } from "react";
import { useLoadStore, type LoadItem } from "../state/loadStore.ts";
import { DictClassField } from "./DictClassField.tsx";
import { ModelUse } from "./ModelUse.tsx";
import { exportFileName, exportLoaded } from "./exportLoaded.ts";
import { LoadProgressBar } from "./LoadProgressBar.tsx";
import { ScaleField } from "./ScaleField.tsx";

const KIND_LABEL = { dictionary: "dictionary", model: "model" } as const;

/**
 * One loaded (or loading, or failed) item. Everything shown comes from the user's files or a
 * Hub repo, so it is rendered as text only.
 */
export function LoadedItemCard(props: { item: LoadItem }) {
  const { item } = props;
  const store = useLoadStore.getState();
  const [exportError, setExportError] = useState<string>();
  const [exporting, setExporting] = useState(false);

  const doExport = () => {
    setExporting(true);
    setExportError(undefined);
    exportLoaded(item.id, exportFileName(item.source))
      .catch((e: unknown) => setExportError(`Export failed: ${(e as Error).message}`))
      .finally(() => setExporting(false));
  };
  const exportBlocked =
    item.phase === "needs-scale" ? "give the norm scaling factor first" : item.exportRefusal;

  return (
    <li
      className={`loaded-item loaded-${item.phase}`}
      data-testid="loaded-item"
      data-phase={item.phase}
    >
      <div className="loaded-head">
        <span className="loaded-source mono" title={item.source} data-testid="loaded-source">
          {item.source}
        </span>
        <span className="status">{item.from === "hub" ? "Hub" : "local"}</span>
        {item.kind && <span className="status">{KIND_LABEL[item.kind]}</span>}
        {item.phase === "loaded" && item.kind !== "model" && (
          <span className="status status-done">loaded</span>
        )}
        <span className="loaded-actions">
          {item.kind === "dictionary" &&
            (item.phase === "loaded" || item.phase === "needs-scale") && (
              <button
                type="button"
                disabled={exportBlocked !== undefined || exporting}
                title={exportBlocked}
                onClick={doExport}
              >
                Export as SAELens
              </button>
            )}
          {item.phase === "loaded" && item.kind === "model" && <ModelUse item={item} />}
          {item.phase !== "reading" && item.use === undefined && (
            <button type="button" onClick={() => store.remove(item.id)}>
              Remove
            </button>
          )}
        </span>
      </div>
      {item.description && (
        <p className="loaded-description mono" data-testid="loaded-description">
          {item.description}
        </p>
      )}
      {item.phase === "reading" && (
        <LoadProgressBar progress={item.progress} onCancel={() => store.cancel(item.id)} />
      )}
      {item.use === "loading" && (
        <LoadProgressBar progress={item.progress} onCancel={() => store.cancelUse(item.id)} />
      )}
      {item.useError && (
        <p className="alert" role="alert" data-testid="use-error">
          Could not use this model: {item.useError}
        </p>
      )}
      {item.error && (
        <p className="alert" role="alert" data-testid="load-error">
          Could not load: {item.error}
        </p>
      )}
      {item.mismatch && (
        <p className="notice" data-testid="load-mismatch">
          Cannot run on the loaded model: {item.mismatch}. Its weights stay loaded for inspection.
        </p>
      )}
      {item.phase === "needs-class" && item.classChoice && (
        <DictClassField {...item.classChoice} onChoose={(c) => store.setDictClass(item.id, c)} />
      )}
      {item.phase === "needs-scale" && item.scaleMessage && (
        <ScaleField message={item.scaleMessage} onScale={(s) => store.setNormScale(item.id, s)} />
      )}
      {item.notes.length > 0 && (
        <ul className="loaded-notes" data-testid="load-notes">
          {item.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
      {item.phase === "loaded" && item.kind === "dictionary" && item.exportRefusal && (
        <p className="muted small" data-testid="export-refusal">
          Not exportable as SAELens: {item.exportRefusal}.
        </p>
      )}
      {exportError && (
        <p className="alert" role="alert">
          {exportError}
        </p>
      )}
      {item.details && (
        <details className="loaded-details">
          <summary>Details</summary>
          <pre className="mono">{JSON.stringify(item.details, null, 2)}</pre>
        </details>
      )}
    </li>
  );
}
