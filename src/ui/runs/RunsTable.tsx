import { useMemo, useState } from "react";
import { dictionaryLook } from "../train/dictionaryLook.ts";
import { runTitle, runZipName } from "../../storage/runNames.ts";
import { last, seedOf, type RunRecord } from "../../storage/runRecord.ts";
import type { HyperparameterChange } from "../../worker/protocol.ts";
import { metric } from "../format.ts";
import { describeArchitecture } from "../state/defaults.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { KIND_COLORS, KIND_LABELS, runOpacity } from "../train/seriesColors.ts";
import { isTranscoderSetRun } from "../../worker/transcoderSetDownload.ts";
import { downloadRun } from "./download.ts";
import { GroundTruthCells } from "./GroundTruthCells.tsx";
import { RunNameCell } from "./RunNameCell.tsx";
import { runsCsv } from "./runsCsv.ts";
import {
  DEFAULT_RUNS_SORT,
  dictionarySite,
  runsTableRows,
  type RunsSort,
  type RunsSortKey,
} from "./runsTableRows.ts";
function changeText(c: HyperparameterChange): string {
  const name = c.dictionary === "sae" ? "SAE" : c.dictionary;
  const parts: string[] = [];
  const p = c.previous;
  if (!p || p.lr !== c.lr) parts.push(`lr ${p ? `${p.lr} → ` : ""}${c.lr}`);
  if (c.l0Coefficient !== undefined) {
    // JumpReLU reads no L1 coefficient: only its L0 coefficient is worth naming.
    if (!p || p.l0Coefficient !== c.l0Coefficient) {
      const before = p?.l0Coefficient !== undefined ? `${p.l0Coefficient} → ` : "";
      parts.push(`l0 coef ${before}${c.l0Coefficient}`);
    }
  } else if (!p || p.l1Coefficient !== c.l1Coefficient) {
    parts.push(`l1 ${p ? `${p.l1Coefficient} → ` : ""}${c.l1Coefficient}`);
  }
  return `after step ${c.step}: ${name} ${parts.join(", ")}`;
}

/** A column header that sorts the table: once ascending (numbers) or as listed, again reversed. */
function SortHeader(props: {
  label: string;
  sortKey: RunsSortKey;
  sort: RunsSort;
  onSort: (s: RunsSort) => void;
  /** The first click's direction. */
  descending?: boolean;
}) {
  const { sort, sortKey } = props;
  const active = sort.key === sortKey;
  const next = active ? !sort.descending : (props.descending ?? false);
  return (
    <th aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}>
      <button
        type="button"
        className="sort-head"
        data-testid={`runs-sort-${sortKey}`}
        title={`Sort by ${props.label}${active ? (sort.descending ? " (now descending)" : " (now ascending)") : ""}`}
        onClick={() => props.onSort({ key: sortKey, descending: next })}
      >
        {props.label}
        <span aria-hidden className="sort-mark">
          {active ? (sort.descending ? " ▼" : " ▲") : ""}
        </span>
      </button>
    </th>
  );
}

function saveCsv(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * One row per dictionary of each run: colour, name (renamable), notes, config-diff label,
 * status, final numbers, show/hide, actions; sortable by its column headers, filtered by a
 * text box, exported as CSV as shown.
 */
export function RunsTable() {
  const runs = useRunsStore((s) => s.runs);
  const loaded = useRunsStore((s) => s.loaded);
  const live = useRunsStore((s) => s.live);
  const [error, setError] = useState<string>();
  const [sort, setSort] = useState<RunsSort>(DEFAULT_RUNS_SORT);
  const [filter, setFilter] = useState("");
  const rows = useMemo(() => runsTableRows(runs, sort, filter), [runs, sort, filter]);
  const ages = useMemo(
    () => new Map([...runs].reverse().map((r, age) => [r.id, age] as const)),
    [runs],
  );
  const actions = useRunsStore.getState();
  if (!loaded) return <p className="muted">Reading saved runs…</p>;
  if (runs.length === 0) {
    return <p className="muted">No runs yet. Runs are kept in this browser.</p>;
  }
  const total = runs.reduce((n, r) => n + r.config.dictionaries.length, 0);
  const header = { sort, onSort: setSort };
  return (
    <>
      <div className="runs-toolbar">
        <input
          type="search"
          className="runs-filter"
          placeholder="Filter: name, notes, status, architecture, site…"
          aria-label="Filter runs"
          data-testid="runs-filter"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="muted small" data-testid="runs-shown">
          {rows.length === total
            ? `${runs.length} run${runs.length === 1 ? "" : "s"}`
            : `${rows.length} of ${total} dictionaries`}
        </span>
        <button
          type="button"
          data-testid="runs-csv"
          disabled={rows.length === 0}
          title="The rows shown, as CSV: each dictionary's run, status, notes, config, last logged metrics and final evaluation"
          onClick={() => saveCsv(runsCsv(rows), "runs.csv")}
        >
          Export CSV
        </button>
      </div>
      <table className="runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>Shown</th>
            <SortHeader label="Run" sortKey="name" {...header} />
            <SortHeader label="Created" sortKey="created" descending {...header} />
            <SortHeader label="Status" sortKey="status" {...header} />
            <th>Dictionary</th>
            <th>Architecture</th>
            <SortHeader label="Step" sortKey="step" descending {...header} />
            <SortHeader label="FVU" sortKey="fvu" {...header} />
            <SortHeader label="L0" sortKey="l0" {...header} />
            <SortHeader label="ce_loss_score" sortKey="ce_loss_score" descending {...header} />
            <th title="Ground truth of a run on a synthetic model">MCC</th>
            <th title="Ground truth of a run on a synthetic model">F1</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={13} className="muted">
                No run matches “{filter}”.
              </td>
            </tr>
          )}
          {rows.map(({ run, kind, index, first, span }) => {
            const dictionaries = run.config.dictionaries;
            const attached = live?.runId === run.id && live.attached;
            const age = ages.get(run.id) ?? 0;
            const point = last(run.histories[kind]);
            const seed = seedOf(run, kind);
            const look = dictionaryLook(run.config, kind);
            return (
              <tr key={`${run.id}-${kind}`} data-run={run.id} data-kind={kind}>
                {first && (
                  <>
                    <td rowSpan={span}>
                      <input
                        type="checkbox"
                        aria-label={`Show ${runTitle(run)} on the charts`}
                        checked={run.visible}
                        onChange={() => actions.toggleVisible(run.id)}
                      />
                    </td>
                    <td rowSpan={span}>
                      <span className="run-swatch" aria-hidden>
                        {[...new Set(dictionaries.map((d) => d.kind))].map((k) => (
                          <span
                            key={k}
                            style={{ background: KIND_COLORS[k], opacity: runOpacity(age) }}
                          />
                        ))}
                      </span>{" "}
                      <RunNameCell run={run} />
                      {run.changes.length > 0 && (
                        <ul className="changes" data-testid="run-changes">
                          {run.changes.map((c, k) => (
                            <li key={k}>{changeText(c)}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td rowSpan={span} className="muted small">
                      {new Date(run.createdAt).toLocaleString()}
                    </td>
                    <td rowSpan={span}>
                      <span className={`status status-${run.status}`} data-testid="run-status-cell">
                        {run.status}
                      </span>
                      {run.message && <div className="muted">{run.message}</div>}
                    </td>
                  </>
                )}
                <td
                  style={{ color: look.color ?? KIND_COLORS[look.kind] }}
                  title={`${dictionarySite(run, kind)}, d_sae ${dictionaries[index]!.dSae}; initialised with seed ${seed}${run.seeds ? ` (derived from the run's seed ${run.config.seed} and the dictionary's id ${kind})` : " (the run's seed: a run from before per-dictionary seeds)"}`}
                  data-testid="run-dictionary"
                >
                  {look.label ?? KIND_LABELS[look.kind]}
                </td>
                <td data-testid="run-architecture">{describeArchitecture(dictionaries[index]!)}</td>
                <td className="num">{point?.step ?? "–"}</td>
                <td className="num">{metric(point?.fvu)}</td>
                <td className="num">{metric(point?.l0)}</td>
                <td className="num">{metric(run.evals[kind]?.ce_loss_score)}</td>
                <GroundTruthCells run={run} id={kind} />
                {first && (
                  <td rowSpan={span}>
                    <RunActions run={run} attached={attached} onError={setError} />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

function RunActions(props: { run: RunRecord; attached: boolean; onError: (e: string) => void }) {
  const { run, attached } = props;
  const actions = useRunsStore.getState();
  const title = runTitle(run);
  const resumable = run.status === "interrupted" || run.status === "stopped";
  const canResume = !attached && resumable && run.checkpointStep !== undefined;
  // Scoring a stopped run's saved weights, where the store offers it.
  const evaluate = (actions as { evaluate?: (id: string) => void }).evaluate;
  const busy = useRunsStore((s) => s.live?.attached === true);
  return (
    <span className="run-actions">
      {canResume && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Resume ${title} from step ${run.checkpointStep}`}
          onClick={() => actions.resumeRun(run.id)}
        >
          Resume
        </button>
      )}{" "}
      {evaluate && run.status === "stopped" && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Evaluate ${title} at step ${run.step}`}
          title="ce_loss_score and the other spliced-in metrics of the weights saved when it stopped"
          onClick={() => evaluate(run.id)}
        >
          Evaluate
        </button>
      )}{" "}
      <button
        type="button"
        disabled={attached}
        title={`The weights as SAELens folders, with metrics.jsonl and eval.json, at step ${run.step}`}
        onClick={() =>
          downloadRun(run.id, runZipName(run)).catch((e: unknown) =>
            props.onError(`Download failed: ${(e as Error).message}`),
          )
        }
      >
        Download
      </button>{" "}
      {isTranscoderSetRun(run) && (
        <>
          <button
            type="button"
            disabled={attached}
            title="Its transcoders as a transcoder set: a SAELens folder per layer and circuit-tracer/ (config.yaml and layer files), which npm run eval -- --transcoders reads"
            onClick={() =>
              downloadRun(
                run.id,
                runZipName(run).replace(/-saelens\.zip$/, "-transcoder-set.zip"),
                true,
              ).catch((e: unknown) => props.onError(`Download failed: ${(e as Error).message}`))
            }
          >
            Download set
          </button>{" "}
        </>
      )}
      <button
        type="button"
        disabled={attached}
        aria-label={`Delete ${title}`}
        onClick={() => void actions.deleteRun(run.id)}
      >
        Delete
      </button>
    </span>
  );
}
