import { useCircuitsStore } from "./circuitsStore.ts";

/** Why the last file could not be shown. */
export function GraphError() {
  const error = useCircuitsStore((s) => s.error);
  if (!error) return null;
  return (
    <p className="alert" role="alert" data-testid="graph-error">
      {error}
    </p>
  );
}
