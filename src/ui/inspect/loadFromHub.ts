import type { HubLoadSource } from "../../worker/protocol.ts";
import { useLoadStore } from "../state/loadStore.ts";
import { HUB_ENDPOINT } from "./hubEndpoint.ts";

/** The label of a Hub load in the list: org/repo/path, with a revision other than main. */
export function hubLabel(s: Omit<HubLoadSource, "endpoint">): string {
  const rev = s.revision && s.revision !== "main" ? `@${s.revision}` : "";
  return `${s.repo}${rev}${s.path ? `/${s.path}` : ""}`;
}

export function loadFromHub(source: Omit<HubLoadSource, "endpoint">): void {
  useLoadStore.getState().loadHub({ ...source, endpoint: HUB_ENDPOINT }, hubLabel(source));
}
