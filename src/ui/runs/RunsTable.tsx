import { useState } from "react";
import { last, type RunRecord } from "../../storage/runRecord.ts";
import type { HyperparameterChange } from "../../worker/protocol.ts";
import { metric } from "../format.ts";
import { describeArchitecture } from "../state/defaults.ts";
import { useRunsStore } from "../state/runsStore.ts";
import { KIND_COLORS, KIND_LABELS, runOpacity } from "../train/seriesColors.ts";
import { downloadRun } from "./download.ts";

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

/** One row per run: colour, config-diff label, status, final numbers, show/hide, actions. */
export function RunsTable() {
  const runs = useRunsStore((s) => s.runs);
  const loaded = useRunsStore((s) => s.loaded);
  const live = useRunsStore((s) => s.live);
  const [error, setError] = useState<string>();
  const actions = useRunsStore.getState();
  if (!loaded) return <p className="muted">Reading saved runs…</p>;
  if (runs.length === 0) {
    return <p className="muted">No runs yet. Runs are kept in this browser.</p>;
  }
  const newestFirst = [...runs].reverse();
  return (
    <>
      <table className="runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>Shown</th>
            <th>Run</th>
            <th>Status</th>
            <th>Dictionary</th>
            <th>Architecture</th>
            <th>Step</th>
            <th>FVU</th>
            <th>L0</th>
            <th>ce_loss_score</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.flatMap((run, age) => {
            const dictionaries = run.config.dictionaries;
            const kinds = dictionaries.map((d) => d.kind);
            const attached = live?.runId === run.id && live.attached;
            return kinds.map((kind, i) => (
              <tr key={`${run.id}-${kind}`} data-run={run.id}>
                {i === 0 && (
                  <>
                    <td rowSpan={kinds.length}>
                      <input
                        type="checkbox"
                        aria-label={`Show ${run.label} on the charts`}
                        checked={run.visible}
                        onChange={() => actions.toggleVisible(run.id)}
                      />
                    </td>
                    <td rowSpan={kinds.length}>
                      <span className="run-swatch" aria-hidden>
                        {kinds.map((k) => (
                          <span
                            key={k}
                            style={{ background: KIND_COLORS[k], opacity: runOpacity(age) }}
                          />
                        ))}
                      </span>{" "}
                      <span data-testid="run-label">{run.label}</span>
                      <div className="muted">{new Date(run.createdAt).toLocaleString()}</div>
                      {run.changes.length > 0 && (
                        <ul className="changes" data-testid="run-changes">
                          {run.changes.map((c, k) => (
                            <li key={k}>{changeText(c)}</li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td rowSpan={kinds.length}>
                      <span className={`status status-${run.status}`} data-testid="run-status-cell">
                        {run.status}
                      </span>
                      {run.message && <div className="muted">{run.message}</div>}
                    </td>
                  </>
                )}
                <td style={{ color: KIND_COLORS[kind] }}>{KIND_LABELS[kind]}</td>
                <td data-testid="run-architecture">{describeArchitecture(dictionaries[i]!)}</td>
                <td className="num">{last(run.histories[kind])?.step ?? "–"}</td>
                <td className="num">{metric(last(run.histories[kind])?.fvu)}</td>
                <td className="num">{metric(last(run.histories[kind])?.l0)}</td>
                <td className="num">{metric(run.evals[kind]?.ce_loss_score)}</td>
                {i === 0 && (
                  <td rowSpan={kinds.length}>
                    <RunActions run={run} attached={attached} onError={setError} />
                  </td>
                )}
              </tr>
            ));
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
  const canResume = !attached && run.status === "interrupted" && run.checkpointStep !== undefined;
  return (
    <span className="run-actions">
      {canResume && (
        <button
          type="button"
          aria-label={`Resume ${run.label} from step ${run.checkpointStep}`}
          onClick={() => actions.resumeRun(run.id)}
        >
          Resume
        </button>
      )}{" "}
      <button
        type="button"
        disabled={attached}
        onClick={() =>
          downloadRun(run.id, `${run.id}-saelens.zip`).catch((e: unknown) =>
            props.onError(`Download failed: ${(e as Error).message}`),
          )
        }
      >
        Download
      </button>{" "}
      <button
        type="button"
        disabled={attached}
        aria-label={`Delete ${run.label}`}
        onClick={() => void actions.deleteRun(run.id)}
      >
        Delete
      </button>
    </span>
  );
}
