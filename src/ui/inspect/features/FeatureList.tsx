import { useMemo, useState } from "react";
import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useFeaturesStore, type FeatureSort } from "../../state/featuresStore.ts";
import { featureMark, featureOrder } from "./featureOrder.ts";
import { visibleToken } from "./tokenText.ts";

const ROW_HEIGHT = 26;
const LIST_HEIGHT = 416;
const OVERSCAN = 6;

/**
 * Every feature, sortable and filterable. Windowed by hand (no package): the rows have one fixed
 * height, so only those in view (plus a few either side) are in the DOM, absolutely placed in a
 * spacer as tall as the whole list.
 */
export function FeatureList(props: { d: FeatureDashboards }) {
  const { d } = props;
  const strings = useFeaturesStore((s) => s.strings);
  const sort = useFeaturesStore((s) => s.sort);
  const filter = useFeaturesStore((s) => s.filter);
  const selected = useFeaturesStore((s) => s.selected);
  const store = useFeaturesStore.getState();
  const [scrollTop, setScrollTop] = useState(0);
  const order = useMemo(() => featureOrder(d, strings, sort, filter), [d, strings, sort, filter]);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(order.length, Math.ceil((scrollTop + LIST_HEIGHT) / ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const f = order[i]!;
    const mark = featureMark(d, f);
    const k = d.logitsRaw?.k ?? 0;
    const topLogit = d.logitsRaw && k > 0 ? strings.get(d.logitsRaw.topIndex[f * k]!) : undefined;
    rows.push(
      <li
        key={f}
        className={`feature-row${selected === f ? " selected" : ""}`}
        style={{ top: i * ROW_HEIGHT, height: ROW_HEIGHT }}
        data-testid="feature-row"
        data-feature={f}
      >
        <button type="button" onClick={() => store.select(f)} aria-label={`Feature ${f}`}>
          <span className="fr-index mono">#{f}</span>
          <span className="fr-num mono" title="density">
            {metric(d.density[f])}
          </span>
          <span className="fr-num mono" title="max activation">
            {metric(d.max[f])}
          </span>
          <span className="fr-token mono" title="top logit">
            {topLogit !== undefined ? visibleToken(topLogit) : ""}
          </span>
          {mark && <span className={`mark mark-${mark}`}>{mark}</span>}
        </button>
      </li>,
    );
  }
  return (
    <div className="feature-list">
      <div className="feature-list-controls">
        <input
          type="search"
          placeholder="Filter: index or token"
          aria-label="Filter features by index or token"
          value={filter}
          data-testid="feature-filter"
          onChange={(e) => {
            store.setFilter(e.target.value);
            setScrollTop(0);
          }}
        />
        <label>
          <span className="muted small">Sort</span>
          <select
            value={sort}
            data-testid="feature-sort"
            onChange={(e) => store.setSort(e.target.value as FeatureSort)}
          >
            <option value="density">density</option>
            <option value="max">max activation</option>
            <option value="index">index</option>
          </select>
        </label>
      </div>
      <div className="feature-list-head mono small muted" aria-hidden="true">
        <span className="fr-index">feature</span>
        <span className="fr-num">density</span>
        <span className="fr-num">max</span>
        <span className="fr-token">top logit</span>
      </div>
      <div
        className="feature-list-scroll"
        style={{ height: LIST_HEIGHT }}
        data-testid="feature-list"
        data-count={order.length}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      >
        <ul style={{ height: order.length * ROW_HEIGHT }}>{rows}</ul>
      </div>
      <p className="muted small" data-testid="feature-list-count">
        {order.length.toLocaleString()} of {d.dSae.toLocaleString()} features
      </p>
    </div>
  );
}
