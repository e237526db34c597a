import { ARCHITECTURE_DEFAULTS } from "../../engine/reference/architectureSpec.ts";
import { last, type RunRecord } from "../../storage/runRecord.ts";
import { LIVE_EVAL_WINDOWS } from "../../worker/protocol.ts";
import { metric } from "../format.ts";
import { useCurrentRun, useRunsStore } from "../state/runsStore.ts";
import { dictionaryLook } from "./dictionaryLook.ts";
import { KIND_COLORS, KIND_LABELS } from "./seriesColors.ts";

/** The current run's latest training metrics and, when it finished, its spliced-in eval. */
export function EvalSummary() {
  const run = useCurrentRun();
  const live = useRunsStore((s) => s.live);
  const kinds = run?.config.dictionaries.map((d) => d.id) ?? [];
  const kindOf = (id: string) => run?.config.dictionaries.find((d) => d.id === id)?.kind ?? id;
  return (
    <section className="chart eval-summary" data-testid="eval-summary" aria-label="Results">
      <div className="chart-title">
        {run ? `Run: ${run.label}` : "Results"}
        {live?.runId === run?.id && live?.liveEvery !== undefined && (
          <span className="muted">
            {" "}
            · CE score every {live.liveEvery} steps on {LIVE_EVAL_WINDOWS} windows
          </span>
        )}
      </div>
      {run && run.config.dictionaries.length > 2 ? (
        <DictionaryRows run={run} />
      ) : run ? (
        <table className="results mono">
          <thead>
            <tr>
              <th />
              {kinds.map((k) => (
                <th key={k} style={{ color: KIND_COLORS[kindOf(k)] }}>
                  {KIND_LABELS[kindOf(k)]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(
              [
                ["step", "step", (k: string) => last(run.histories[k])?.step],
                ["fvu", "FVU", (k: string) => last(run.histories[k])?.fvu],
                ["l0", "L0", (k: string) => last(run.histories[k])?.l0],
                [
                  "dead",
                  `dead latents (none in ${ARCHITECTURE_DEFAULTS.deadFeatureWindow} steps)`,
                  (k: string) => last(run.histories[k])?.dead_features,
                ],
                ["ce_loss_score", "ce_loss_score", (k: string) => run.evals[k]?.ce_loss_score],
                ["kl_div_score", "kl_div_score", (k: string) => run.evals[k]?.kl_div_score],
                ["ce", "CE without / with", (k: string) => run.evals[k]],
              ] as const
            ).map(([id, name, get]) => (
              <tr key={id}>
                <th scope="row">{name}</th>
                {kinds.map((k) => {
                  const v = get(k);
                  return (
                    <td key={k} data-testid={`${k}-${id}`}>
                      {typeof v === "object" && v
                        ? `${metric(v.ce_loss_without_sae)} / ${metric(v.ce_loss_with_sae)}`
                        : metric(v as number | undefined)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Press Train: the curves of both dictionaries appear here.</p>
      )}
      {run?.status === "failed" && (
        <p className="alert" role="alert" data-testid="run-error">
          {run.message}
        </p>
      )}
    </section>
  );
}

/**
 * A run of many dictionaries (a sweep, every layer): a row each, with its layer, latest FVU and
 * L0, and its ce_loss_score (the final evaluation's, else the latest live one).
 */
function DictionaryRows(props: { run: RunRecord }) {
  const { run } = props;
  return (
    <div className="results-scroll">
      <table className="results mono" data-testid="dictionary-rows">
        <thead>
          <tr>
            <th scope="col">dictionary</th>
            <th scope="col">layer</th>
            <th scope="col">FVU</th>
            <th scope="col">L0</th>
            <th scope="col">CE score</th>
          </tr>
        </thead>
        <tbody>
          {run.config.dictionaries.map((d) => {
            const look = dictionaryLook(run.config, d.id);
            const point = last(run.histories[d.id]);
            const ce = run.evals[d.id]?.ce_loss_score ?? last(run.liveEvals[d.id])?.ce_loss_score;
            return (
              <tr key={d.id} data-testid={`row-${d.id}`}>
                <th scope="row" style={{ color: look.color ?? KIND_COLORS[d.kind] }}>
                  {look.label ?? KIND_LABELS[d.kind]}
                </th>
                <td>{d.layer ?? run.config.layer}</td>
                <td>{metric(point?.fvu)}</td>
                <td>{metric(point?.l0)}</td>
                <td>
                  {metric(ce)}
                  {run.evals[d.id] ? " ◆" : ""}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
