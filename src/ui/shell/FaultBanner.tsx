import { sendToEngine } from "../engine.ts";
import { useConfigStore } from "../state/configStore.ts";
import { useEngineStore } from "../state/engineStore.ts";
import { useRunsStore } from "../state/runsStore.ts";
import "./FaultBanner.css";

export const NO_WEBGPU_HELP =
  "This page trains on the GPU through WebGPU. Use Chrome or Edge 113 or later (on Linux, start " +
  "Chrome with --enable-unsafe-webgpu --enable-features=Vulkan), or Firefox 141+ on Windows, or " +
  "Safari 26+. Everything else on the page, including saved runs, still works.";

/** Faults in words, each with what to do; the page stays usable around it. */
export function FaultBanner() {
  const noDevice = useEngineStore((s) => s.noDevice);
  const modelError = useEngineStore((s) => s.modelError);
  const workerDead = useEngineStore((s) => s.workerDead);
  const fault = useRunsStore((s) => s.fault);
  const storageError = useRunsStore((s) => s.storageError);
  const processing = useConfigStore((s) => s.config.processing);

  const restart = () => {
    useEngineStore.getState().workerRestarted();
    sendToEngine({ type: "load-model", processing });
  };

  return (
    <div className="faults">
      {noDevice && (
        <div className="alert" role="alert" data-testid="fault-no-webgpu">
          <strong>No WebGPU: {noDevice}.</strong> {NO_WEBGPU_HELP}
        </div>
      )}
      {modelError && (
        <div className="alert" role="alert" data-testid="fault-model">
          Could not load the model: {modelError}
        </div>
      )}
      {workerDead && (
        <div className="alert" role="alert" data-testid="fault-worker">
          The engine stopped ({workerDead}). What was trained up to the last checkpoint is saved.{" "}
          <button type="button" onClick={restart}>
            Start a new engine
          </button>
        </div>
      )}
      {fault?.kind === "config" && (
        <div className="alert" role="alert" data-testid="fault-config">
          <strong>Cannot start this run:</strong> {fault.message}.
        </div>
      )}
      {fault && fault.kind !== "config" && (
        <div className="alert" role="alert" data-testid={`fault-${fault.kind}`}>
          <strong>{faultTitle(fault.kind)}</strong> {fault.message}
          {fault.step !== undefined && ` (step ${fault.step})`}.{" "}
          {fault.hint && `Hint: ${fault.hint}.`} The run keeps what was trained up to its last
          checkpoint; press Resume to continue.
        </div>
      )}
      {storageError && (
        <div className="alert" role="alert" data-testid="fault-storage">
          {storageError}
        </div>
      )}
    </div>
  );
}

function faultTitle(kind: string): string {
  switch (kind) {
    case "nan":
      return "Training diverged:";
    case "device-lost":
      return "GPU device lost:";
    case "storage":
      return "Storage:";
    case "limits":
      return "Too large for this GPU:";
    default:
      return "Fault:";
  }
}
