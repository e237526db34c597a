import { byteSize } from "../format.ts";
import type { LoadItem } from "../state/loadStore.ts";
import { CancellableProgress } from "./CancellableProgress.tsx";

/** Bytes read of the weights; indeterminate while the configs and headers are read. */
export function LoadProgressBar(props: { progress: LoadItem["progress"]; onCancel: () => void }) {
  const p = props.progress;
  const text = !p
    ? "Starting…"
    : p.total > 0
      ? `${p.label}: ${byteSize(p.loaded)} / ${byteSize(p.total)}`
      : `${p.label}: ${byteSize(p.loaded)}`;
  return (
    <CancellableProgress
      done={p?.loaded}
      total={p?.total}
      text={text}
      ariaLabel="Loading progress"
      testId="load-progress"
      textTestId="load-progress-text"
      onCancel={props.onCancel}
    />
  );
}
