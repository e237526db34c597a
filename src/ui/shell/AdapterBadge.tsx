import { useEngineStore } from "../state/engineStore.ts";

/** The GPU's name, or plainly: a software adapter, ~100x slower, with smaller defaults. */
export function AdapterBadge() {
  const adapter = useEngineStore((s) => s.adapter);
  const noDevice = useEngineStore((s) => s.noDevice);
  if (noDevice) {
    return (
      <span className="badge warn" data-testid="adapter-badge" data-state="none">
        No WebGPU
      </span>
    );
  }
  if (!adapter) {
    return (
      <span className="badge" data-testid="adapter-badge" data-state="checking">
        Looking for a GPU…
      </span>
    );
  }
  return adapter.software ? (
    <span
      className="badge warn"
      data-testid="adapter-badge"
      data-state="software"
      title={adapter.name}
    >
      Software adapter: ~100× slower than a GPU (smaller defaults)
    </span>
  ) : (
    <span className="badge" data-testid="adapter-badge" data-state="gpu" title={adapter.name}>
      GPU: {adapter.name}
    </span>
  );
}
