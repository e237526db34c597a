import { byteSize } from "../format.ts";
import type { LoadItem } from "../state/loadStore.ts";

/** Bytes read of the weights; indeterminate while the configs and headers are read. */
export function LoadProgressBar(props: { progress: LoadItem["progress"]; onCancel: () => void }) {
  const p = props.progress;
  const known = p !== undefined && p.total > 0;
  const text = !p
    ? "Starting…"
    : known
      ? `${p.label}: ${byteSize(p.loaded)} / ${byteSize(p.total)}`
      : `${p.label}: ${byteSize(p.loaded)}`;
  return (
    <div className="load-progress">
      <div
        className={known ? "progress-track" : "progress-track indeterminate"}
        role="progressbar"
        aria-label="Loading progress"
        aria-valuemin={0}
        aria-valuemax={known ? p.total : undefined}
        aria-valuenow={known ? p.loaded : undefined}
        data-testid="load-progress"
      >
        <div
          className="progress-fill"
          style={{ width: known ? `${(100 * p.loaded) / p.total}%` : "30%" }}
        />
      </div>
      <span className="mono small" data-testid="load-progress-text">
        {text}
      </span>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
