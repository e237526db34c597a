import { useEffect } from "react";
import { useRunsStore } from "../state/runsStore.ts";
import { keepInUrl } from "../state/urlState.ts";
import { useCircuitsStore } from "./circuitsStore.ts";
import { useComputeStore } from "./computeStore.ts";
import {
  graphLinkFromUrl,
  graphLinkParams,
  setKeyOf,
  withGraphLink,
  type GraphLink,
} from "./graphLink.ts";
import { useSavedGraphsStore } from "./savedGraphsStore.ts";
import type { SetChoice } from "./setChoices.ts";

/** The computed graph shown, as a link (none for an uploaded file). */
function currentLink(): GraphLink | undefined {
  const c = useCircuitsStore.getState();
  const g = useComputeStore.getState().graph;
  if (!g || c.shown?.origin.kind !== "computed") return undefined;
  return {
    prompt: g.prompt,
    set: setKeyOf(g.set),
    node: c.threshold,
    edge: useComputeStore.getState().edgeThreshold,
    pins: c.pinnedIds,
  };
}

// Read before the Train view first rewrites the URL.
let opening: GraphLink | undefined =
  typeof location === "undefined" ? undefined : graphLinkFromUrl(location.search);
let wired = false;

function writeUrl(): void {
  const search = withGraphLink(location.search, currentLink());
  if (search !== location.search) {
    history.replaceState(history.state, "", `${location.pathname}${search}${location.hash}`);
  }
}

/** Applies a link's threshold and pins to the graph now shown. */
function applyLink(link: GraphLink): void {
  const c = useCircuitsStore.getState();
  const known = c.shown?.view.indexById;
  const pins = link.pins.filter((id) => known?.has(id));
  useCircuitsStore.setState({
    pinnedIds: pins,
    supernodes: c.supernodes
      .map((s) => ({ ...s, nodeIds: s.nodeIds.filter((id) => pins.includes(id)) }))
      .filter((s) => s.nodeIds.length > 0),
  });
  if (Math.abs(c.threshold - link.node) > 1e-9) c.setThreshold(link.node);
}

/**
 * Keeps the URL's graph.* parameters in step with the computed graph shown, and opens the graph
 * a link names once the page knows its set: the newest saved graph of that set and prompt, else
 * a new one computed from the set.
 */
export function useGraphLink(choices: readonly SetChoice[]): void {
  const runsLoaded = useRunsStore((s) => s.loaded);
  const savedLoaded = useSavedGraphsStore((s) => s.loaded);
  useEffect(() => {
    if (wired) return;
    wired = true;
    keepInUrl(() => graphLinkParams(currentLink()));
    useCircuitsStore.subscribe(writeUrl);
    useComputeStore.subscribe(writeUrl);
  }, []);
  useEffect(() => {
    const link = opening;
    if (!link || !runsLoaded || !savedLoaded) return;
    const saved = useSavedGraphsStore
      .getState()
      .list.find((g) => setKeyOf(g.set) === link.set && g.prompt === link.prompt);
    if (saved) {
      opening = undefined;
      void useSavedGraphsStore
        .getState()
        .open(saved.id)
        .then((g) => g && applyLink(link));
      return;
    }
    const choice = choices.find((c) => c.key === link.set);
    if (!choice) return;
    opening = undefined;
    const compute = useComputeStore.getState();
    compute.setPrompt(link.prompt);
    compute.setSetKey(choice.key);
    useComputeStore.setState({ edgeThreshold: link.edge });
    compute.compute(choice.ref, choice.name, link.node);
    const off = useComputeStore.subscribe((s, prev) => {
      if (s.graph && s.graph !== prev.graph) {
        off();
        applyLink({ ...link, node: useCircuitsStore.getState().threshold });
      } else if (s.error) off();
    });
  }, [choices, runsLoaded, savedLoaded]);
}
