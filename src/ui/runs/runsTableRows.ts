import { runTitle, siteTitle } from "../../storage/runNames.ts";
import { last, seedOf, type RunRecord } from "../../storage/runRecord.ts";
import { hookName } from "../../engine/model/hooks.ts";
import { describeArchitecture } from "../state/defaults.ts";

/** What the Runs table can be sorted by: the run's columns, or a dictionary's numbers. */
export type RunsSortKey = "created" | "name" | "status" | "step" | "fvu" | "l0" | "ce_loss_score";
export interface RunsSort {
  key: RunsSortKey;
  descending: boolean;
}

/** Newest first, as runs are listed by default. */
export const DEFAULT_RUNS_SORT: RunsSort = { key: "created", descending: true };

/** A table row: one dictionary of a run; `span` rows share the run's cells when grouped. */
export interface RunsTableRow {
  run: RunRecord;
  /** The dictionary's id ("sae", "transcoder" in a plain pair; "sae.L3.k8" in a sweep). */
  kind: string;
  /** Index of the dictionary in the run's config. */
  index: number;
  /** Whether this row draws the run's cells, over `span` rows. */
  first: boolean;
  span: number;
}

/** The SAE's hook, or blocks.L.mlp for the transcoder (runNames.siteTitle). */
export function dictionarySite(run: RunRecord, id: string): string {
  const c = run.config;
  const d = c.dictionaries.find((x) => x.id === id);
  const layer = d?.layer ?? c.layer;
  if (d?.kind === "sae") {
    const hook = hookName(layer, d.site ?? "hook_resid_pre");
    return siteTitle({ kind: "sae", hookName: hook, hookNameOut: hook });
  }
  return siteTitle({
    kind: "transcoder",
    hookName: hookName(layer, "ln2.hook_normalized"),
    hookNameOut: hookName(layer, "hook_mlp_out"),
  });
}

/** Everything a filter is matched against for one dictionary of a run, in lower case. */
function searchText(run: RunRecord, kind: string): string {
  const d = run.config.dictionaries.find((x) => x.id === kind);
  return [
    runTitle(run),
    run.label,
    run.notes ?? "",
    run.status,
    kind,
    d?.kind === "sae" ? "SAE" : (d?.kind ?? ""),
    d?.label ?? "",
    d ? describeArchitecture(d) : "",
    d ? `d_sae ${d.dSae}` : "",
    dictionarySite(run, kind),
    `layer ${d?.layer ?? run.config.layer}`,
    `seed ${seedOf(run, kind)}`,
  ]
    .join(" \n ")
    .toLowerCase();
}

/**
 * Whether a dictionary row passes the filter: every space-separated word of it appears in the
 * run's name, label, notes, status, kind, architecture, width or site (case ignored).
 */
export function rowMatches(run: RunRecord, kind: string, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = searchText(run, kind);
  return words.every((w) => text.includes(w));
}

function metricOf(run: RunRecord, kind: string, key: RunsSortKey): number | undefined {
  if (key === "ce_loss_score") return run.evals[kind]?.ce_loss_score;
  const point = last(run.histories[kind]);
  if (key === "step") return point?.step;
  if (key === "fvu") return point?.fvu;
  if (key === "l0") return point?.l0;
  return undefined;
}

const PER_DICTIONARY: ReadonlySet<RunsSortKey> = new Set(["step", "fvu", "l0", "ce_loss_score"]);

/**
 * The table's rows: filtered, then sorted. Sorted by a run's column (created, name, status),
 * each run's dictionaries stay together; sorted by a dictionary's number, every dictionary is
 * its own row, and those without the number go last either way.
 */
export function runsTableRows(
  runs: readonly RunRecord[],
  sort: RunsSort,
  filter: string,
): RunsTableRow[] {
  const sign = sort.descending ? -1 : 1;
  const pairs = runs.flatMap((run) =>
    run.config.dictionaries
      .map((d, index) => ({ run, kind: d.id, index }))
      .filter((p) => rowMatches(p.run, p.kind, filter)),
  );
  if (PER_DICTIONARY.has(sort.key)) {
    const value = (p: (typeof pairs)[number]) => metricOf(p.run, p.kind, sort.key);
    return pairs
      .map((p, order) => ({ p, v: value(p), order }))
      .sort((a, b) => {
        if (a.v === undefined || b.v === undefined || Number.isNaN(a.v) || Number.isNaN(b.v)) {
          const missing = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 1 : 0);
          return missing(a.v) - missing(b.v) || a.order - b.order;
        }
        return sign * (a.v - b.v) || a.order - b.order;
      })
      .map(({ p }) => ({ ...p, first: true, span: 1 }));
  }
  const compare = (a: RunRecord, b: RunRecord): number => {
    if (sort.key === "name") {
      return runTitle(a).localeCompare(runTitle(b), undefined, { numeric: true });
    }
    if (sort.key === "status") return a.status.localeCompare(b.status);
    return a.createdAt - b.createdAt;
  };
  const order = [...new Set(pairs.map((p) => p.run))].sort(
    (a, b) => sign * compare(a, b) || b.createdAt - a.createdAt,
  );
  return order.flatMap((run) => {
    const own = pairs.filter((p) => p.run === run);
    return own.map((p, i) => ({ ...p, first: i === 0, span: own.length }));
  });
}
