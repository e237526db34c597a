/** A progress bar with its text and a Cancel button; indeterminate while the total is unknown. */
export function CancellableProgress(props: {
  done: number | undefined;
  total: number | undefined;
  text: string;
  ariaLabel: string;
  testId: string;
  textTestId?: string;
  onCancel: () => void;
}) {
  const { done, total } = props;
  const known = done !== undefined && total !== undefined && total > 0;
  return (
    <div className="load-progress">
      <div
        className={known ? "progress-track" : "progress-track indeterminate"}
        role="progressbar"
        aria-label={props.ariaLabel}
        aria-valuemin={0}
        aria-valuemax={known ? total : undefined}
        aria-valuenow={known ? done : undefined}
        data-testid={props.testId}
      >
        <div
          className="progress-fill"
          style={{ width: known ? `${(100 * done) / total}%` : "30%" }}
        />
      </div>
      <span className="mono small" data-testid={props.textTestId}>
        {props.text}
      </span>
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
