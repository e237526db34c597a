import { useMemo, useState } from "react";
import type { FeatureMatchResult } from "../../../worker/protocol.ts";
import { metric } from "../../format.ts";
import { useMatchStore, type MatchSort } from "../../state/matchStore.ts";
import { matchOrder } from "./matchOrder.ts";

const ROW_HEIGHT = 26;
const TABLE_HEIGHT = 312;
const OVERSCAN = 6;

/**
 * A's features with their best B match by decoder cosine and by correlation, each value above
 * its chance threshold marked. Windowed like the feature list (fixed row height).
 */
export function MatchTable(props: {
  r: FeatureMatchResult;
  onOpen: (side: "a" | "b", feature: number) => void;
}) {
  const { r, onOpen } = props;
  const sort = useMatchStore((s) => s.sort);
  const [topRow, setTopRow] = useState(0);
  const order = useMemo(() => matchOrder(r, sort), [r, sort]);
  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(order.length, topRow + Math.ceil(TABLE_HEIGHT / ROW_HEIGHT) + 1 + OVERSCAN);
  const cell = (column: FeatureMatchResult["cosine"], f: number, label: string) => {
    if (!column) return <span className="mt-cell muted">–</span>;
    const j = column.index[f]!;
    const v = column.value[f]!;
    const above = v > column.threshold;
    const same = j === f;
    return (
      <span
        className={`mt-cell${above ? " above" : ""}${same ? " same-index" : ""}`}
        title={`chance max ${metric(column.baseline[f])}${same ? "; the same index as A's feature" : ""}`}
      >
        <button
          type="button"
          className="link mono"
          onClick={() => onOpen("b", j)}
          aria-label={`B feature ${j} (${label})`}
        >
          #{j}
        </button>
        <span className="mono">{metric(v)}</span>
        {same && <span className="mt-same small muted">same #</span>}
      </span>
    );
  };
  const rows = [];
  for (let i = first; i < last; i++) {
    const f = order[i]!;
    rows.push(
      <li
        key={f}
        className="match-row"
        style={{ top: i * ROW_HEIGHT, height: ROW_HEIGHT }}
        data-testid="match-row"
        data-feature={f}
      >
        <span className="mt-a">
          <button
            type="button"
            className="link mono"
            onClick={() => onOpen("a", f)}
            aria-label={`A feature ${f}`}
          >
            #{f}
          </button>
        </span>
        {cell(r.cosine, f, "cosine")}
        {cell(r.correlation, f, "correlation")}
      </li>,
    );
  }
  return (
    <div className="match-table">
      <div className="match-head mono small muted">
        <span className="mt-a">A feature</span>
        <span className="mt-cell">best B · decoder cosine</span>
        <span className="mt-cell">best B · correlation</span>
        <label className="mt-sort">
          <span>Sort</span>
          <select
            value={sort}
            data-testid="match-sort"
            onChange={(e) => useMatchStore.getState().setSort(e.target.value as MatchSort)}
          >
            <option value="correlation" disabled={!r.correlation}>
              correlation
            </option>
            <option value="cosine" disabled={!r.cosine}>
              cosine
            </option>
            <option value="index">index</option>
          </select>
        </label>
      </div>
      <div
        className="match-scroll"
        style={{ height: Math.min(TABLE_HEIGHT, order.length * ROW_HEIGHT + 2) }}
        data-testid="match-table"
        onScroll={(e) => setTopRow(Math.floor(e.currentTarget.scrollTop / ROW_HEIGHT))}
      >
        <ul style={{ height: order.length * ROW_HEIGHT }}>{rows}</ul>
      </div>
    </div>
  );
}
