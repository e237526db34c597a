import { si } from "../../format.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";

/** The feature pass's progress: tokens read of the two reads, then the weight views. */
export function FeaturesProgress(props: { onCancel: () => void }) {
  const p = useFeaturesStore((s) => s.progress);
  const known = p !== undefined && p.total > 0;
  return (
    <div className="load-progress">
      <div
        className={known ? "progress-track" : "progress-track indeterminate"}
        role="progressbar"
        aria-label="Feature pass progress"
        aria-valuemin={0}
        aria-valuemax={known ? p.total : undefined}
        aria-valuenow={known ? p.done : undefined}
        data-testid="dash-progress"
      >
        <div
          className="progress-fill"
          style={{ width: known ? `${(100 * p.done) / p.total}%` : "30%" }}
        />
      </div>
      <span className="mono small">
        {p ? `${p.label}: ${si(p.done)} / ${si(p.total)}` : "Starting…"}
      </span>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
