import type { FeatureExtremes } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useFeaturesStore } from "../../state/featuresStore.ts";
import { visibleToken } from "./tokenText.ts";

/** Top (positive) and bottom (negative) tokens of one weight view for one feature. */
export function TokenValueTable(props: {
  title: string;
  views: FeatureExtremes;
  feature: number;
  testId: string;
}) {
  const { views, feature } = props;
  const strings = useFeaturesStore((s) => s.strings);
  const column = (which: "top" | "bottom") => {
    const index = which === "top" ? views.topIndex : views.bottomIndex;
    const value = which === "top" ? views.topValue : views.bottomValue;
    const rows = [];
    for (let i = feature * views.k; i < (feature + 1) * views.k; i++) {
      if (Number.isNaN(value[i]!)) continue;
      rows.push(
        <li key={i}>
          <span className="tv-token mono">{visibleToken(strings.get(index[i]!) ?? "")}</span>
          <span className={`tv-value mono ${which === "top" ? "pos" : "neg"}`}>
            {metric(value[i]!)}
          </span>
        </li>,
      );
    }
    return <ol className={`tv-col tv-${which}`}>{rows}</ol>;
  };
  return (
    <section className="tv-table" data-testid={props.testId} aria-label={props.title}>
      <h4>{props.title}</h4>
      <div className="tv-cols">
        {column("bottom")}
        {column("top")}
      </div>
    </section>
  );
}
