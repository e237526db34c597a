import { useEffect } from "react";
import { FeaturePage } from "../inspect/features/FeaturePage.tsx";
import { choiceKey } from "../inspect/features/dictionaryChoices.ts";
import { useFeaturesStore } from "../state/featuresStore.ts";
import { ConnectionsList } from "./ConnectionsList.tsx";
import { handOverToInspector, type FeatureSource } from "./featureSource.ts";
import { useFeatureStatsStore } from "./featureStatsStore.ts";
import { HoverContexts } from "./HoverContexts.tsx";

/** A clicked feature of a computed graph: Inspect's feature page and its weight connections. */
export function FeatureDetails(props: { source: FeatureSource }) {
  const { ref, feature } = props.source;
  const key = ref ? choiceKey(ref) : undefined;
  const stats = useFeatureStatsStore((s) => (key ? s.byDictionary.get(key) : undefined));
  const shownHere = useFeaturesStore(
    (s) => stats?.phase === "ready" && s.dashboards === stats.dashboards,
  );
  useEffect(() => {
    if (ref) useFeatureStatsStore.getState().want(ref);
  }, [ref]);
  useEffect(() => {
    if (ref && stats?.phase === "ready") {
      handOverToInspector(ref, stats.requestId, stats.dashboards, feature);
    }
  }, [ref, stats, feature]);
  return (
    <div className="feature-details" data-testid="feature-details">
      {stats?.phase === "ready" && shownHere ? (
        <FeaturePage d={stats.dashboards} feature={feature} />
      ) : (
        <HoverContexts source={props.source} />
      )}
      <ConnectionsList source={props.source} />
    </div>
  );
}
