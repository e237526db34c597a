import { memo, useEffect, useMemo, useRef, useState } from "react";
import type { FeatureDashboards } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useFeaturesStore, type FeatureSort } from "../../state/featuresStore.ts";
import { featureMark, featureOrder } from "./featureOrder.ts";
import { visibleToken } from "./tokenText.ts";

const ROW_HEIGHT = 26;
const LIST_HEIGHT = 416;
const OVERSCAN = 3;

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
  // The first row in view: scrolling within a row renders nothing.
  const [topRow, setTopRow] = useState(0);
  const order = useMemo(() => featureOrder(d, strings, sort, filter), [d, strings, sort, filter]);
  const scroller = useRef<HTMLDivElement>(null);
  // A feature opened from elsewhere (a neighbour, Try a prompt): bring its row into view (the
  // scroll event then renders the rows there).
  const lastSelected = useRef<number | undefined>(undefined);
  useEffect(() => {
    const el = scroller.current;
    if (selected === lastSelected.current || !el) return;
    lastSelected.current = selected;
    const at = selected === undefined ? -1 : order.indexOf(selected);
    if (at < 0) return;
    const y = at * ROW_HEIGHT;
    if (y < el.scrollTop || y + ROW_HEIGHT > el.scrollTop + LIST_HEIGHT) {
      el.scrollTop = Math.max(0, y - (LIST_HEIGHT - ROW_HEIGHT) / 2);
    }
  }, [selected, order]);
  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(order.length, topRow + Math.ceil(LIST_HEIGHT / ROW_HEIGHT) + 1 + OVERSCAN);
  // The column follows the feature page's default: tokens absent from the corpus left out where
  // they are hidden by default (the built-in model's lists fill up with them otherwise).
  const listLogits = d.inCorpus?.hideByDefault ? d.inCorpus.logitsRaw : d.logitsRaw;
  const k = listLogits?.k ?? 0;
  const rows = [];
  for (let i = first; i < last; i++) {
    const f = order[i]!;
    const topLogit = listLogits && k > 0 ? strings.get(listLogits.topIndex[f * k]!) : undefined;
    rows.push(
      <FeatureRow
        key={f}
        d={d}
        feature={f}
        top={i * ROW_HEIGHT}
        selected={selected === f}
        topLogit={topLogit}
      />,
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
            setTopRow(0);
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
        ref={scroller}
        style={{ height: LIST_HEIGHT }}
        data-testid="feature-list"
        data-count={order.length}
        onScroll={(e) => setTopRow(Math.floor(e.currentTarget.scrollTop / ROW_HEIGHT))}
      >
        <ul style={{ height: order.length * ROW_HEIGHT }}>{rows}</ul>
      </div>
      <p className="muted small" data-testid="feature-list-count">
        {order.length.toLocaleString()} of {d.dSae.toLocaleString()} features
      </p>
    </div>
  );
}

/** One row; memoised, so that scrolling renders only the rows that come into view. */
const FeatureRow = memo(function FeatureRow(props: {
  d: FeatureDashboards;
  feature: number;
  top: number;
  selected: boolean;
  topLogit: string | undefined;
}) {
  const { d, feature: f, topLogit } = props;
  const mark = featureMark(d, f);
  return (
    <li
      className={`feature-row${props.selected ? " selected" : ""}`}
      style={{ top: props.top, height: ROW_HEIGHT }}
      data-testid="feature-row"
      data-feature={f}
    >
      <button
        type="button"
        onClick={() => useFeaturesStore.getState().select(f)}
        aria-label={`Feature ${f}`}
      >
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
    </li>
  );
});
