import { useCallback, useEffect, useState } from "react";
import type { InjectedFault } from "../worker/protocol.ts";
import { onEngineDeath, onEngineMessage, sendToEngine } from "./engine.ts";
import { FaultBanner } from "./shell/FaultBanner.tsx";
import { TopBar, type View } from "./shell/TopBar.tsx";
import { useConfigStore } from "./state/configStore.ts";
import { useEngineStore } from "./state/engineStore.ts";
import { useFeaturesStore } from "./state/featuresStore.ts";
import { usePromptStore } from "./state/promptStore.ts";
import { useDensityStore } from "./state/densityStore.ts";
import { useLoadStore } from "./state/loadStore.ts";
import { useRunsStore } from "./state/runsStore.ts";
import { DropOverlay } from "./inspect/DropOverlay.tsx";
import { receiveLoadedExport } from "./inspect/exportLoaded.ts";
import { InspectView } from "./inspect/InspectView.tsx";
import { usePageDrop } from "./inspect/usePageDrop.ts";
import { receiveDownload } from "./runs/download.ts";
import { RunsView } from "./runs/RunsView.tsx";
import { TrainView } from "./train/TrainView.tsx";
import { CircuitsView } from "./circuits/CircuitsView.tsx";
import { graphLinkFromUrl } from "./circuits/graphLink.ts";
import { useSpaceTogglesPause } from "./shell/useSpaceTogglesPause.ts";
import "./styles/tokens.css";
import "./App.css";

/** A layer the new model does not have becomes its last one. */
function clampLayer(nLayer: number): void {
  const { config, setConfig } = useConfigStore.getState();
  if (config.layer >= nLayer) setConfig({ ...config, layer: nLayer - 1 });
}

/** The app shell: a top bar with the run controls, and the Train, Runs, Inspect and Circuits views. */
export function App() {
  // A shared link to a graph (the Circuits view's graph.* parameters) opens that view.
  const [view, setView] = useState<View>(() =>
    graphLinkFromUrl(window.location.search) ? "circuits" : "train",
  );
  const processing = useConfigStore((s) => s.config.processing);

  useEffect(() => {
    const offMessage = onEngineMessage((m) => {
      useEngineStore.getState().receive(m);
      useRunsStore.getState().receive(m);
      receiveDownload(m);
      useLoadStore.getState().receive(m);
      useFeaturesStore.getState().receive(m);
      usePromptStore.getState().receive(m);
      useDensityStore.getState().receive(m);
      receiveLoadedExport(m);
      if (m.type === "ready") useConfigStore.getState().useDefaultsFor(m.adapter.software);
      if (m.type === "model-ready") clampLayer(m.info.nLayer);
    });
    const offDeath = onEngineDeath((message) => {
      useEngineStore.getState().workerDied(message);
      useRunsStore.getState().engineDied(message);
      useLoadStore.getState().engineDied();
      useFeaturesStore.getState().engineDied();
      usePromptStore.getState().engineDied();
    });
    void useRunsStore.getState().load();
    if (!navigator.gpu) {
      useEngineStore.setState({ noDevice: "this browser has no navigator.gpu" });
    }
    // Test-only: faults are injected through the worker protocol (see e2e/faults.spec.ts).
    (window as unknown as { __injectFault: (f: InjectedFault) => void }).__injectFault = (fault) =>
      sendToEngine({ type: "inject-fault", fault });
    return () => {
      offMessage();
      offDeath();
    };
  }, []);
  useEffect(() => {
    // Without WebGPU on the page there is none in a worker either: say so, start nothing.
    if (navigator.gpu) sendToEngine({ type: "load-model", processing });
  }, [processing]);
  useSpaceTogglesPause();
  // Files dropped anywhere load and show in Inspect.
  const dragging = usePageDrop(useCallback(() => setView("inspect"), []));

  return (
    <div className="app">
      <TopBar view={view} onView={setView} />
      <FaultBanner />
      {/* Views stay mounted: switching never stops a run or loses a chart. */}
      <main className="view" hidden={view !== "train"}>
        <TrainView />
      </main>
      <main className="view" hidden={view !== "runs"}>
        <RunsView active={view === "runs"} />
      </main>
      <main className="view" hidden={view !== "inspect"}>
        <InspectView />
      </main>
      <main className="view" hidden={view !== "circuits"}>
        <CircuitsView active={view === "circuits"} />
      </main>
      <DropOverlay shown={dragging} />
    </div>
  );
}
