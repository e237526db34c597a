import { create } from "zustand";
import type { StreamRunConfig } from "../../worker/protocol.ts";
import { GPU_DEFAULTS, SOFTWARE_DEFAULTS } from "./defaults.ts";
import { configFromUrl, configToUrl } from "./urlState.ts";

const search = () => (typeof location === "undefined" ? "" : location.search);

interface ConfigState {
  config: StreamRunConfig;
  /** Re-reads the URL over the defaults for this adapter (URL values win). */
  useDefaultsFor: (software: boolean) => void;
  setConfig: (config: StreamRunConfig) => void;
}

/** The run configuration being edited; it lives in the URL, so a run can be shared as a link. */
export const useConfigStore = create<ConfigState>((set) => ({
  config: configFromUrl(search(), GPU_DEFAULTS),
  useDefaultsFor: (software) =>
    set({ config: configFromUrl(search(), software ? SOFTWARE_DEFAULTS : GPU_DEFAULTS) }),
  setConfig: (config) => {
    if (typeof history !== "undefined") history.replaceState(null, "", configToUrl(config));
    set({ config });
  },
}));
