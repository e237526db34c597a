import { si } from "../../format.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";
import { CancellableProgress } from "../CancellableProgress.tsx";

/** The feature pass's progress: tokens read of the two reads, then the weight views. */
export function FeaturesProgress(props: { onCancel: () => void }) {
  const p = useFeaturesStore((s) => s.progress);
  return (
    <CancellableProgress
      done={p?.done}
      total={p?.total}
      text={p ? `${p.label}: ${si(p.done)} / ${si(p.total)}` : "Starting…"}
      ariaLabel="Feature pass progress"
      testId="dash-progress"
      onCancel={props.onCancel}
    />
  );
}
