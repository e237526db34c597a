import type { TranscoderSetRef } from "../../worker/circuitsProtocol.ts";
import type { FeatureDashboards, FeatureDictionaryRef } from "../../worker/protocol.ts";
import { useFeaturesStore } from "../state/featuresStore.ts";
import { useComputeStore } from "./computeStore.ts";
import { useCircuitsStore } from "./circuitsStore.ts";
import { featureIndex } from "./nodeFacts.ts";
import { choiceOf, useSetChoices } from "./setChoices.ts";
import type { ViewNode } from "./viewGraph.ts";

/** Where a computed graph's feature node comes from: its set, layer and dictionary. */
export interface FeatureSource {
  set: TranscoderSetRef;
  layer: number;
  feature: number;
  /** The layer's dictionary, while the set is still here (a run not deleted, a load not removed). */
  ref?: FeatureDictionaryRef;
}

/** A feature node's source when the graph shown was computed here; undefined for a file. */
export function useFeatureSource(node: ViewNode | undefined): FeatureSource | undefined {
  const computed = useCircuitsStore((s) => s.shown?.origin.kind === "computed");
  const graph = useComputeStore((s) => s.graph);
  const choices = useSetChoices();
  if (!node || !computed || !graph || node.kind !== "feature" || node.layer === undefined) {
    return undefined;
  }
  const feature = featureIndex(node);
  if (feature === undefined) return undefined;
  const ref = choiceOf(graph.set, choices)?.layers.get(node.layer);
  return { set: graph.set, layer: node.layer, feature, ...(ref ? { ref } : {}) };
}

/**
 * Shows these dashboards in the inspector's store too (as if its own pass had made them), so
 * that Inspect's feature page, which reads token strings and windows from it, renders them.
 */
export function handOverToInspector(
  ref: FeatureDictionaryRef,
  requestId: string,
  dashboards: FeatureDashboards,
  feature: number,
): void {
  const s = useFeaturesStore.getState();
  if (s.dashboards === dashboards) {
    if (s.selected !== feature) s.select(feature);
    return;
  }
  useFeaturesStore.setState({
    requestId,
    phase: "running",
    runningRef: ref,
    chosenRef: ref,
    pendingSelect: feature,
  });
  useFeaturesStore.getState().receive({ type: "features-ready", requestId, dashboards });
}
