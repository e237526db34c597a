import { useEffect, useState } from "react";
import { probeWebGpu, type WebGpuStatus } from "./webgpuStatus.ts";
import { ModelRunPanel } from "./ModelRunPanel.tsx";
import { SyntheticRunPanel } from "./SyntheticRunPanel.tsx";

export function App() {
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 960, margin: "2rem auto" }}>
      <h1>Transcoder Playground</h1>
      <p>
        Train sparse autoencoders and MLP transcoders in your browser with WebGPU: a small GPT-2
        runs over a text corpus in a worker and streams its activations into the training kernels.
      </p>
      <AdapterStatus />
      <ModelRunPanel />
      <SyntheticRunPanel />
    </main>
  );
}

function AdapterStatus() {
  const [status, setStatus] = useState<WebGpuStatus>({ state: "checking" });

  useEffect(() => {
    let cancelled = false;
    void probeWebGpu().then((s) => {
      if (!cancelled) setStatus(s);
    });
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <section data-testid="adapter-status" data-state={status.state} aria-live="polite">
      <h2>WebGPU</h2>
      {status.state === "checking" && <p>Checking for a WebGPU adapter…</p>}
      {(status.state === "unavailable" || status.state === "error") && (
        <p role="alert">{status.message}</p>
      )}
      {status.state === "ready" && (
        <dl>
          <dt>Vendor</dt>
          <dd data-testid="adapter-vendor">{status.vendor || "(not reported)"}</dd>
          <dt>Architecture</dt>
          <dd data-testid="adapter-architecture">{status.architecture || "(not reported)"}</dd>
          {status.description && (
            <>
              <dt>Description</dt>
              <dd>{status.description}</dd>
            </>
          )}
          <dt>Fallback (software) adapter</dt>
          <dd>{status.isFallbackAdapter ? "yes" : "no"}</dd>
        </dl>
      )}
    </section>
  );
}
